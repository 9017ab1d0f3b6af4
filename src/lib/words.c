#include "config.h"

#include <string.h>

#include "lib/words.h"

static const char *const words_names[WORDS__N] = {"en", "id"};

/*
 * Indonesian wording follows what support teams in Indonesia write in
 * chat: short, no plural forms, "sebutan" for a mention of the brand.
 */
static const char *const words_table[W__N][WORDS__N] = {
    [W_LOW] = {"LOW", "RENDAH"},
    [W_NORMAL] = {"NORMAL", "SEDANG"},
    [W_HIGH] = {"HIGH", "TINGGI"},
    [W_CRITICAL] = {"CRITICAL", "KRITIS"},
    [W_INCIDENT_PRE] = {"", "INSIDEN "},
    [W_INCIDENT_POST] = {" INCIDENT", ""},
    [W_COMPLAINTS] = {"complaints", "keluhan"},
    [W_MORE_RULE] = {" more rule", " aturan lain"},
    [W_MORE_RULES] = {" more rules", " aturan lain"},
    [W_BY_MODEL] = {"Complaint found by model ", "Keluhan ditemukan oleh model "},
    [W_MORE_MODEL] = {" more model", " model lain"},
    [W_MORE_MODELS] = {" more models", " model lain"},
    [W_MENTION] = {" mention", " sebutan"},
    [W_MENTIONS] = {" mentions", " sebutan"},
    [W_NEW] = {" new", " baru"},
    [W_SINCE] = {" since ", " sejak "},
    [W_IN_ALL] = {" in all", " seluruhnya"},
    [W_MUTED] = {" muted", " dibisukan"},
    [W_MORE_MENTION] = {" more mention", " sebutan lain"},
    [W_MORE_MENTIONS] = {" more mentions", " sebutan lain"},
    [W_TEAM] = {"team", "tim"},
    [W_ALERT] = {"alert", "peringatan"},
    [W_GROUP] = {"group", "grup"},
    [W_FOLLOWER] = {" follower", " pengikut"},
    [W_FOLLOWERS] = {" followers", " pengikut"},
    [W_VERIFIED] = {"verified", "terverifikasi"},
    [W_REPLY] = {"reply", "balasan"},
    [W_REPOST] = {"repost", "unggah ulang"},
    [W_UNKNOWN_AUTHOR] = {"unknown", "tanpa nama"},
    [W_OPEN_POST] = {"Open post", "Buka unggahan"},
    [W_ON] = {" on ", " di "},
    [W_POSTED] = {"posted", "diunggah"},
    [W_JUST_NOW] = {"just now", "baru saja"},
    [W_AGO_PRE] = {"", ""},
    [W_AGO_POST] = {" ago", " lalu"},
    [W_MIN] = {" min", " menit"},
    [W_HOURS] = {" h", " jam"},
    [W_DAYS] = {" d", " hari"},
    [W_DELAYED_PRE] = {"delayed ", "terlambat "},
    [W_DELAYED_POST] = {" by delivery failures", " karena pengiriman gagal"},
    [W_L_PRIORITY] = {"Priority", "Prioritas"},
    [W_L_TEAM] = {"Team", "Tim"},
    [W_L_MENTIONS] = {"Mentions", "Sebutan"},
    [W_JAN] = {"Jan", "Jan"},
    [W_FEB] = {"Feb", "Feb"},
    [W_MAR] = {"Mar", "Mar"},
    [W_APR] = {"Apr", "Apr"},
    [W_MAY] = {"May", "Mei"},
    [W_JUN] = {"Jun", "Jun"},
    [W_JUL] = {"Jul", "Jul"},
    [W_AUG] = {"Aug", "Agu"},
    [W_SEP] = {"Sep", "Sep"},
    [W_OCT] = {"Oct", "Okt"},
    [W_NOV] = {"Nov", "Nov"},
    [W_DEC] = {"Dec", "Des"},
    [W_CASE] = {"Case", "Kasus"},
    [W_C_OPEN] = {"open", "terbuka"},
    [W_C_REOPENED] = {"reopened", "dibuka lagi"},
    [W_C_ACKED_BY] = {"acknowledged by ", "ditangani "},
    [W_C_AFTER_PRE] = {"", ""},
    [W_C_AFTER_POST] = {" after the post", " setelah pesan"},
    [W_C_ASSIGNED_TO] = {"assigned to ", "ditugaskan ke "},
    [W_C_RESOLVED_BY] = {"resolved by ", "diselesaikan "},
    [W_C_NOT_COMPLAINT_BY] = {"not a complaint, says ", "bukan keluhan, kata "},
    [W_C_NOTE] = {"note: ", "catatan: "},
    [W_C_OVERDUE] = {"OVERDUE", "LEWAT TARGET"},
    [W_A_ACK] = {"Acknowledge", "Tangani"},
    [W_A_ASSIGN] = {"Assign to me", "Ambil alih"},
    [W_A_RESOLVE] = {"Resolve", "Selesai"},
    [W_A_REOPEN] = {"Reopen", "Buka lagi"},
    [W_A_NOT_COMPLAINT] = {"Not a complaint", "Bukan keluhan"},
    [W_A_MUTE_AUTHOR] = {"Mute author", "Bisukan penulis"},
    [W_A_SILENCE] = {"Silence group", "Senyapkan grup"},
    [W_A_ASSIGN_TO] = {"Assign to\xe2\x80\xa6", "Tugaskan ke\xe2\x80\xa6"},
};

const char *
words_get(enum words_lang l, enum word w)
{
	const char *s;

	if ((unsigned)w >= W__N)
		return "";
	if ((unsigned)l >= WORDS__N)
		l = WORDS_EN;
	s = words_table[w][l];
	return s ? s : words_table[w][WORDS_EN] ? words_table[w][WORDS_EN] : "";
}

int
words_lang_parse(const char *s, enum words_lang *l)
{
	for (int i = 0; i < WORDS__N; i++)
		if (strcmp(s, words_names[i]) == 0) {
			*l = (enum words_lang)i;
			return 0;
		}
	return -1;
}

const char *
words_lang_name(enum words_lang l)
{
	return (unsigned)l < WORDS__N ? words_names[l] : "en";
}

const char *
words_lang_list(void)
{
	return "en, id";
}
