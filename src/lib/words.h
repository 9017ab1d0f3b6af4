/*
 * words.h: every word a person reads in a chat message, in each language
 * display.language offers. The renderers (receivers/) take their words
 * from here and hold no wording of their own, so a language is one column
 * of one table (words.c).
 *
 * Entries are pieces that the renderers join around numbers and names:
 * "+3" W_MORE_MENTIONS gives "+3 more mentions" and "+3 sebutan lain".
 * Where word order differs between languages, an entry has a part before
 * and a part after (W_INCIDENT_PRE, W_INCIDENT_POST).
 */
#ifndef KELUH_WORDS_H
#define KELUH_WORDS_H

enum words_lang { WORDS_EN, WORDS_ID, WORDS__N };

enum word {
	W_LOW,
	W_NORMAL,
	W_HIGH,
	W_CRITICAL, /* priority labels, in that order */
	W_INCIDENT_PRE,
	W_INCIDENT_POST, /* around the label: "CRITICAL INCIDENT" */
	W_COMPLAINTS,    /* a title without rules */
	W_MORE_RULE,
	W_MORE_RULES, /* after "+N" in a title */
	W_BY_MODEL,   /* before a model's name: a title of complaints no rule matched */
	W_MORE_MODEL,
	W_MORE_MODELS, /* after "+N" in such a title */
	W_MENTION,
	W_MENTIONS, /* after "N" */
	W_NEW,      /* "N new, M since 10:02" */
	W_SINCE,
	W_IN_ALL, /* "N new, M in all" */
	W_MUTED,  /* after ", N" */
	W_MORE_MENTION,
	W_MORE_MENTIONS, /* after "+N" */
	W_TEAM,
	W_ALERT, /* "alert a-1 · group rule=x" */
	W_GROUP,
	W_FOLLOWER,
	W_FOLLOWERS, /* after a count */
	W_VERIFIED,
	W_REPLY,
	W_REPOST,
	W_UNKNOWN_AUTHOR,
	W_OPEN_POST, /* link text */
	W_ON,        /* "@budi on x" */
	W_POSTED,    /* "posted 09:40 WIB, 8 min ago" */
	W_JUST_NOW,
	W_AGO_PRE,
	W_AGO_POST, /* around an age */
	W_MIN,
	W_HOURS,
	W_DAYS, /* units after a number */
	W_DELAYED_PRE,
	W_DELAYED_POST, /* around a delay */
	W_L_PRIORITY,
	W_L_TEAM,
	W_L_MENTIONS, /* card field labels */
	W_JAN,
	W_FEB,
	W_MAR,
	W_APR,
	W_MAY,
	W_JUN,
	W_JUL,
	W_AUG,
	W_SEP,
	W_OCT,
	W_NOV,
	W_DEC,
	W_CASE, /* "Case #42 · open" */
	W_C_OPEN,
	W_C_REOPENED,
	W_C_ACKED_BY, /* "acknowledged by Rina 09:52 UTC" */
	W_C_AFTER_PRE,
	W_C_AFTER_POST, /* around "4 min": "4 min after the post" */
	W_C_ASSIGNED_TO,
	W_C_RESOLVED_BY,
	W_C_NOT_COMPLAINT_BY,
	W_C_NOTE,
	W_C_OVERDUE,
	W_A_ACK, /* button labels, one per action */
	W_A_ASSIGN,
	W_A_RESOLVE,
	W_A_REOPEN,
	W_A_NOT_COMPLAINT,
	W_A_MUTE_AUTHOR,
	W_A_SILENCE,
	W_A_ASSIGN_TO, /* the menu of people to assign to */
	W__N
};

/* The word in lang (WORDS_EN for a language out of range); never NULL. */
const char *words_get(enum words_lang, enum word);
/* "en" or "id" to a language: 0, or -1 when there is no such language. */
int words_lang_parse(const char *, enum words_lang *);
const char *words_lang_name(enum words_lang);
/* The names display.language accepts, as "en, id" (for error messages). */
const char *words_lang_list(void);

#endif
