#!/usr/bin/env python3
"""Generate a synthetic corpus of social-media mentions for keluh benchmarks.

The texts are composed from word banks and templates written for this
script: about half English and half Indonesian (with the slang and spelling
variants real posts have), 30-280 characters, with @handles, #hashtags, URLs,
emoji and numbers, and roughly a fifth of them complaint-like. The output is
deterministic for a given --seed and --n.

    gen_corpus.py [--n N] [--seed S] [--out FILE] [--ndjson]

Plain text (the default) is one mention per line. --ndjson writes mention
objects instead: {"id","source","text","lang","author":{"handle","followers"}}.
"""

import argparse
import json
import random
import re
import signal
import sys

# --- word banks ------------------------------------------------------------

BRANDS = [
    "Kilatpay", "Nusafiber", "Tokoloka", "Biruair", "BankSapu", "JalanKirim",
    "Warungku", "Seluler1", "PesanAja", "Lintasnet", "GoRide", "Belanjo",
    "Payungku", "KopiKita", "TiketGo", "Rumahsewa", "AirKota", "ListrikNu",
    "Tabungin", "Ojekin", "MartPlus", "StreamIn", "Kurirku", "Fastel",
]
HANDLE_PARTS = [
    "budi", "sari", "dewi", "andi", "rina", "agus", "putri", "joko", "maya",
    "tono", "lia", "reza", "fitri", "dimas", "ayu", "bayu", "nadia", "rizky",
    "john", "kate", "mike", "anna", "sam", "lucy", "dave", "emma", "chris",
    "tom", "jess", "alex", "real", "the", "its", "just", "official", "id",
    "bdg", "jkt", "sby", "kopi", "gamer", "travel", "foodie", "mama", "papa",
]
CITIES_ID = [
    "Bandung", "Jakarta", "Surabaya", "Bekasi", "Depok", "Bogor", "Medan",
    "Makassar", "Semarang", "Jogja", "Malang", "Cimahi", "Dago", "Antapani",
    "Buah Batu", "Cibiru", "Tangerang", "Denpasar",
]
CITIES_EN = [
    "London", "Manchester", "Leeds", "Chicago", "Austin", "Denver", "Boston",
    "Toronto", "Sydney", "Dublin", "Seattle", "Phoenix", "Bristol",
]
FEATURES_EN = [
    "the app", "checkout", "the website", "my account", "the payment page",
    "live chat", "the tracking page", "my wallet", "the wifi", "my router",
    "the login page", "notifications", "the mobile app", "online banking",
]
FEATURES_ID = [
    "aplikasinya", "apk nya", "web nya", "akun saya", "saldo", "dompet digital",
    "wifi", "jaringan", "sinyal", "fitur bayar", "menu topup", "halaman login",
    "live chat", "notif", "internet",
]
EMOJI = [
    "\U0001F621", "\U0001F620", "\U0001F624", "\U0001F62D", "\U0001F622",
    "\U0001F644", "\U0001F612", "\U0001F926", "\U0001F64F", "\U0001F602",
    "\U0001F60A", "\U0001F44D", "\u2764\ufe0f", "\U0001F525", "\U0001F389",
    "\U0001F60D", "\U0001F605", "\U0001F914", "\U0001F634", "\u2615",
    ":(", ":)", ":D", ":'(", "-_-", "T_T", "wkwk", "xD",
]
ANGRY_EMOJI = EMOJI[:9] + [":(", "-_-", "T_T", ":'("]
HAPPY_EMOJI = EMOJI[9:20] + [":)", ":D", "xD"]
HASHTAGS_EN = [
    "fail", "customerservice", "help", "monday", "mood", "tgif", "nowplaying",
    "traffic", "weekend", "coffee", "giveaway", "sale", "blackfriday", "tech",
    "football", "music", "travel", "foodporn", "workfromhome", "outage",
]
HASHTAGS_ID = [
    "bandung", "infobdg", "kulinerbandung", "jakarta", "macet", "promo",
    "giveaway", "diskon", "ngopi", "senin", "jumatberkah", "banjir", "mudik",
    "kecewa", "pelayananpublik", "lapor", "ojol", "belanjaonline",
]
URL_HOSTS = [
    "t.co", "bit.ly", "s.id", "instagr.am", "youtu.be", "example.com",
    "tokoloka.id", "kilatpay.co.id", "news.example.org",
]

# Indonesian slang / spelling variants.
NEG = ["gak", "ga", "nggak", "ngga", "tdk", "tidak", "gk", "enggak", "g"]
BISA = ["bisa", "bs", "bisa", "bisa"]
UDAH = ["udah", "sdh", "sudah", "udh", "dah"]
BGT = ["bgt", "banget", "bngt", "bangettt", "bgtt"]
TOLONG = ["tolong", "tlg", "tolongin", "mohon", "please"]
KENAPA = ["kenapa", "knp", "napa", "kok", "kenapa sih"]
MIN = ["min", "mimin", "kak", "admin", "gan", "cs"]
PART = ["dong", "sih", "deh", "nih", "ya", "yaa", "lah", "loh", ""]
PARAH = ["parah", "parahh", "parah sih", "keterlaluan", "payah"]
LEMOT = ["lemot", "lemottt", "lambat", "lelet", "loading terus"]
KECEWA = ["kecewa", "kecewaa", "kesel", "bete", "nyesel", "sebel"]
ERROR_ID = ["error", "eror", "gangguan", "bermasalah", "crash", "force close"]
DUR_ID = ["2 jam", "3 hari", "seminggu", "dari pagi", "dari kemarin",
          "sejak semalam", "5 hari", "2 minggu", "dari jam 8"]
RUPIAH = ["Rp50.000", "Rp 150rb", "200rb", "Rp1.250.000", "75 ribu", "Rp 99.000",
          "300k", "Rp25.000"]

CANT = ["can't", "cant", "cannot", "can not", "unable to", "couldn't", "still can't"]
LOGIN = ["log in", "login", "sign in", "log into my account", "access my account"]
DUR_EN = ["2 hours", "3 days", "a week", "since yesterday", "all morning",
          "45 minutes", "two weeks", "since friday", "an hour"]
MONEY_EN = ["$49.99", "$120", "\u00a335", "$9.99", "$250", "\u00a3 12.50", "$1,200"]
WORST = ["worst", "terrible", "awful", "horrible", "pathetic", "useless", "a joke"]
PLEASE = ["please", "pls", "plz", "please please", "kindly"]

# --- templates -------------------------------------------------------------
# {slot} is filled by SLOTS below; everything else is literal.

EN_COMPLAINT = [
    "{at} i {cant} {login} {since}, keeps saying error {err} {angry}",
    "{at} you charged me twice for order #{order}, {please} refund {angry}",
    "{worst} customer service ever. waited {dur_en} on hold and nobody answered #{tag_en}",
    "{at} my package was supposed to arrive {day} and it's still not here. tracking says delivered?? {url}",
    "{feature_en} keeps crashing every time i try to pay {angry} {please} fix this",
    "this is a scam. {brand} took {money_en} and cancelled my order without telling me",
    "{at} internet down again in {city_en} for {dur_en}. paying for nothing {angry}",
    "been waiting {dur_en} for my refund of {money_en}, {brand} {please} respond",
    "{brand} support is {worst}, {n} emails and zero replies. never again",
    "why is {feature_en} so slow today?? can't even load the home page {angry}",
    "never ordering from {brand} again. wrong item, late delivery and rude staff",
    "{at} my card was debited {money_en} but the payment shows failed. order {order}",
    "{cant} sign in, it keeps saying wrong password even after a reset {angry}",
    "{at} still no signal in {city_en} since {day}. this is ridiculous",
    "hey {at} your app logged me out and now i {cant} {login}. fix it {please}",
    "got charged a late fee of {money_en} for a bill i paid on time. {worst} bank",
    "{at} i want a refund. the item arrived broken and support keeps closing my ticket",
    "{brand} cancelled my flight and won't refund me. {dur_en} on the phone {angry} #{tag_en}",
    "so disappointed with {brand}, the order came {n} days late and half of it missing",
    "{at} your driver never showed up and i was still charged {money_en}",
    "the {worst} experience i've had with any company. {brand} stole my money",
    "{at} outage again?? {feature_en} has been down {dur_en} #outage",
    "is {feature_en} down for everyone or just me? {cant} do anything {angry}",
    "{at} hi, my account got hacked and you still haven't locked it. {please} help asap",
    "double charged AGAIN by {brand}. {money_en} x2. unacceptable",
]
EN_NEUTRAL = [
    "just got my order from {brand}, love it {happy}",
    "{at} do you ship to {city_en}?",
    "anyone else watching the game tonight? #{tag_en}",
    "{brand} promo this weekend: {pct}% off everything {url} #giveaway",
    "thanks {at} for the quick help today! {happy}",
    "lunch in {city_en} with the team {happy} #{tag_en}",
    "{at} can i change the delivery address for order {order}?",
    "the new {feature_en} update looks great, nice work {brand}",
    "RT {at}: {n} things you didn't know about {city_en} {url}",
    "good morning {city_en} {happy} coffee first",
    "{at} what time does the store in {city_en} open on sunday?",
    "finally friday {happy} #tgif",
    "win a voucher worth {money_en}! follow {at} and retweet #giveaway {url}",
    "listening to the new album on repeat {happy} #nowplaying",
    "{at} is the {pct}% discount still valid for old customers?",
    "happy birthday {at}!! {happy}",
    "traffic on the way to {city_en} is crazy today lol",
    "{brand} just announced a new plan, {money_en} a month {url}",
    "ok i can't stop laughing at this {url} {happy}",
    "{at} how do i update my email address on the app?",
    "my cat refuses to get off my keyboard {happy}",
    "delivered on time and well packed, thank you {brand} {happy}",
    "who's going to the concert in {city_en} on {day}?",
    "{at} hi! is there a student discount?",
    "it's raining again in {city_en}, perfect day to stay in",
]
ID_COMPLAINT = [
    "{at} {min}, {neg} {bisa} login dari {dur_id} {angry} {tolong} {part}",
    "aplikasi {brand} {lemot} {bgt} {part}, {udah} {n}x coba tetep {err_id}",
    "saldo kepotong 2x tapi transaksi gagal, {tolong} refund {min} {angry}",
    "paket {udah} {n} hari {neg} sampe2, resi {order} {neg} update {angry}",
    "{kecewa} {bgt} sama pelayanan {brand}, cs nya {neg} respon {dur_id}",
    "internet mati lagi di daerah {city_id}, {parah} {bgt} {angry}",
    "{kenapa} {feature_id} {err_id} terus {part}? {udah} bayar mahal2",
    "penipuan! barang {neg} dikirim, uang {rupiah} {neg} balik {angry}",
    "{at} {tolong} {min} akun saya ke blokir {neg} jelas alasannya",
    "{feature_id} {lemot} {bgt} dari {dur_id}, {neg} {bisa} buka apa2",
    "{at} jalan di {city_id} rusak {parah}, {udah} lapor {neg} ada tindakan",
    "lampu jalan di {city_id} mati {dur_id}, {tolong} diperbaiki {part} {min}",
    "{brand} {parah}, udah bayar {rupiah} tapi pesanan dibatalin sepihak",
    "{at} {min} {kenapa} tagihan bulan ini naik jadi {rupiah}?? {neg} masuk akal",
    "sinyal {brand} hilang terus di {city_id} {angry} {kecewa}",
    "{udah} {dur_id} nunggu refund {neg} cair2 {min} {tolong} {part}",
    "{at} sampah numpuk di {city_id} {udah} {dur_id} {neg} diangkut, bau {bgt}",
    "driver {brand} cancel terus, {udah} {n}x order {angry}",
    "{kecewa} sama {brand}, barang dateng rusak dan {neg} {bisa} retur",
    "{at} {min} {neg} {bisa} topup dari {dur_id}, duit {udah} kepotong {rupiah}",
    "air PDAM mati lagi di {city_id} {dur_id} {parah} {angry}",
    "cs {brand} {neg} membantu sama sekali, chat cuma dibales bot {angry}",
    "{kenapa} {feature_id} {neg} {bisa} dibuka {part} {min}?? {angry}",
    "{at} banjir lagi di {city_id}, got mampet {neg} pernah dibersihin",
    "tagihan dobel {rupiah} {bgt} {parah}, {tolong} dicek {min}",
]
ID_NEUTRAL = [
    "{at} {min}, mau tanya promo {brand} masih ada {neg}?",
    "makasih {min} {udah} dibantu {happy}",
    "lagi ngopi di {city_id} sambil nunggu hujan reda {happy}",
    "ikutan giveaway {brand} yuk {url} #{tag_id}",
    "selamat pagi {city_id} {happy} #{tag_id}",
    "mantap {brand} pengiriman cepet {bgt} {happy}",
    "{at} kak, ongkir ke {city_id} berapa ya?",
    "weekend enaknya kulineran di {city_id} {part} #{tag_id}",
    "RT {at}: info lalu lintas {city_id} pagi ini ramai lancar {url}",
    "diskon {pct}% di {brand} sampai akhir bulan {url} #promo",
    "{at} siap kak, terima kasih infonya {happy}",
    "besok libur {neg} {part}? mau ke {city_id} {happy}",
    "{at} {min} cara ganti nomor hp di akun gimana ya?",
    "akhirnya gajian juga wkwk {happy}",
    "hari ini {city_id} cerah {bgt}, cocok buat jalan2",
    "{at} halo kak, kami bantu cek ya. mohon info nomor pesanannya via DM",
    "nonton bola bareng temen2 di {city_id} {happy} #{tag_id}",
    "{brand} lagi ada cashback {rupiah} buat pengguna baru {url}",
    "{at} wah keren {bgt} {happy}",
    "pesanan {udah} sampe, packing rapi {bgt}, makasih {brand} {happy}",
    "selamat hari jumat, semoga berkah {happy} #jumatberkah",
    "{at} mohon maaf atas ketidaknyamanannya kak, laporan sudah kami teruskan",
    "ada yg tau tempat servis hp bagus di {city_id}?",
    "{at} kak, jam buka kantor cabang {city_id} jam berapa?",
    "lagi dengerin lagu lama, jadi kangen jaman sekolah {happy}",
]

# Padding, to spread lengths out to real posts' range.
EN_PAD_COMPLAINT = [
    "this is the third time this month.", "i've been a customer for {n} years.",
    "nobody replies to my emails.", "absolutely ridiculous.",
    "i want my money back.", "your chat bot is useless.",
    "ticket number {order}.", "still waiting for an answer.",
    "do better.", "fix your service.", "so frustrating honestly.",
    "called {n} times already.", "no email, no sms, nothing.",
    "i pay {money_en} a month for this.", "this keeps happening.",
    "how is this acceptable?", "cancelling my subscription.",
    "your agent hung up on me.", "zero communication.",
    "i have screenshots of everything.", "who do i even talk to?",
    "my order number is {order}.", "been a loyal customer since {day}.",
    "seriously considering switching.", "it worked fine until {day}.",
]
EN_PAD_NEUTRAL = [
    "have a great day everyone.", "lol.", "can't wait!", "so excited.",
    "see you there.", "what do you think?", "thanks in advance.",
    "link in bio.", "more soon.", "just saying.", "good vibes only.",
    "it's been a long week.", "coffee is life.", "tag a friend!",
    "weather is lovely today.", "highly recommend.", "cheers {at}.",
    "omg yes.", "anyway back to work.", "details here {url}.",
    "who else is in {city_en}?", "5 stars from me.", "not bad at all.",
    "same time next week?", "can't believe it's already {day}.",
]
ID_PAD_COMPLAINT = [
    "{udah} {n} kali komplain.", "mohon ditindaklanjuti.", "{kecewa} {bgt}.",
    "{neg} ada solusi sama sekali.", "tiket aduan {order}.",
    "pelanggan setia malah dikecewain.", "{tolong} gercep {min}.",
    "capek {bgt} nunggunya.", "{parah} {part}.", "dm {neg} dibales.",
    "ditelpon {neg} diangkat.", "{udah} bayar {rupiah} lho.",
    "masa gini terus tiap bulan.", "minta kejelasannya {min}.",
    "jangan cuma minta maaf doang.", "mau pindah provider aja.",
    "{kenapa} lama {bgt} prosesnya.", "ini nomor pesanan {order}.",
    "bikin rugi waktu.", "{udah} lapor {n}x.", "{neg} profesional.",
    "mending tutup aja.", "kerja jadi terganggu.",
]
ID_PAD_NEUTRAL = [
    "semangat semua.", "wkwkwk.", "hehe.", "makasih ya.", "cmiiw.",
    "info lengkap cek bio.", "jangan lupa bahagia.", "mantul.",
    "ditunggu kabarnya.", "salam dari {city_id}.", "btw enak {bgt}.",
    "auto checkout.", "sehat selalu {min}.", "ada yg mau ikut?",
    "murah meriah.", "recommended pokoknya.", "cuss.", "sip lah.",
    "nanti kabarin ya.", "lumayan buat {part} weekend.",
    "yg di {city_id} merapat.", "seru {bgt} kemarin.", "otw.",
    "gas terus.", "ngopi dulu biar waras.",
]

DAYS = ["monday", "tuesday", "yesterday", "last week", "friday", "the 12th",
        "two days ago", "this morning"]


def _rand_handle(r):
    name = r.choice(HANDLE_PARTS)
    if r.random() < 0.5:
        name += r.choice(["_", "", "."]) + r.choice(HANDLE_PARTS)
    if r.random() < 0.6:
        name += str(r.randrange(1, 9999))
    return "@" + name


def _url(r):
    path = "".join(r.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                   for _ in range(r.randrange(6, 11)))
    return "https://%s/%s" % (r.choice(URL_HOSTS), path)


def _at(r):
    if r.random() < 0.7:
        return "@" + r.choice(BRANDS) + r.choice(["", "Care", "_ID", "Help", "Support", "cs"])
    return _rand_handle(r)


SLOTS = {
    "at": _at,
    "brand": lambda r: r.choice(BRANDS),
    "url": _url,
    "order": lambda r: r.choice(["", "#", "INV-", "JK"]) + str(r.randrange(100000, 99999999)),
    "n": lambda r: str(r.choice([2, 3, 3, 4, 5, 7, 10, 12, 20])),
    "pct": lambda r: str(r.choice([10, 15, 20, 25, 30, 50, 70])),
    "err": lambda r: r.choice(["", "E%d" % r.randrange(100, 999), "500", "403", "code 0x%X" % r.randrange(4096)]),
    "angry": lambda r: r.choice(ANGRY_EMOJI) * r.choice([1, 1, 2, 3]) if r.random() < 0.7 else "",
    "happy": lambda r: r.choice(HAPPY_EMOJI) * r.choice([1, 1, 2]) if r.random() < 0.7 else "",
    "tag_en": lambda r: r.choice(HASHTAGS_EN),
    "tag_id": lambda r: r.choice(HASHTAGS_ID),
    "city_en": lambda r: r.choice(CITIES_EN),
    "city_id": lambda r: r.choice(CITIES_ID),
    "feature_en": lambda r: r.choice(FEATURES_EN),
    "feature_id": lambda r: r.choice(FEATURES_ID),
    "cant": lambda r: r.choice(CANT),
    "login": lambda r: r.choice(LOGIN),
    "since": lambda r: r.choice(["since " + r.choice(DAYS), "for " + r.choice(DUR_EN), "all day", ""]),
    "dur_en": lambda r: r.choice(DUR_EN),
    "dur_id": lambda r: r.choice(DUR_ID),
    "day": lambda r: r.choice(DAYS),
    "money_en": lambda r: r.choice(MONEY_EN),
    "rupiah": lambda r: r.choice(RUPIAH),
    "worst": lambda r: r.choice(WORST),
    "please": lambda r: r.choice(PLEASE),
    "neg": lambda r: r.choice(NEG),
    "bisa": lambda r: r.choice(BISA),
    "udah": lambda r: r.choice(UDAH),
    "bgt": lambda r: r.choice(BGT),
    "tolong": lambda r: r.choice(TOLONG),
    "kenapa": lambda r: r.choice(KENAPA),
    "min": lambda r: r.choice(MIN),
    "part": lambda r: r.choice(PART),
    "parah": lambda r: r.choice(PARAH),
    "lemot": lambda r: r.choice(LEMOT),
    "kecewa": lambda r: r.choice(KECEWA),
    "err_id": lambda r: r.choice(ERROR_ID),
}

_SLOT_RE = re.compile(r"\{(\w+)\}")


def _compile(templates):
    """Splits each template once into literal strings and slot functions."""
    out = []
    for t in templates:
        parts = []
        pos = 0
        for m in _SLOT_RE.finditer(t):
            if m.start() > pos:
                parts.append(t[pos:m.start()])
            parts.append(SLOTS[m.group(1)])
            pos = m.end()
        if pos < len(t):
            parts.append(t[pos:])
        out.append(parts)
    return out


def _fill(r, parts):
    return "".join(p if isinstance(p, str) else p(r) for p in parts)


BANKS = {
    ("en", True): (_compile(EN_COMPLAINT), _compile(EN_PAD_COMPLAINT)),
    ("en", False): (_compile(EN_NEUTRAL), _compile(EN_PAD_NEUTRAL)),
    ("id", True): (_compile(ID_COMPLAINT), _compile(ID_PAD_COMPLAINT)),
    ("id", False): (_compile(ID_NEUTRAL), _compile(ID_PAD_NEUTRAL)),
}

_SPACES_RE = re.compile(r"  +")


def _target_len(r):
    # Skewed towards short posts, with a long tail up to the 280 cap:
    # mean around 115 characters.
    x = r.lognormvariate(4.55, 0.48)
    return int(min(280, max(30, x)))


def _noise(r, s):
    x = r.random()
    if x < 0.04:
        s = s.upper()
    elif x < 0.30:
        s = s[:1].upper() + s[1:]
    if r.random() < 0.12:
        # elongate one word: "parah" -> "parahhh", "please" -> "pleaseee"
        words = s.split(" ")
        i = r.randrange(len(words))
        w = words[i]
        if len(w) >= 3 and w[-1].isalpha():
            words[i] = w + w[-1] * r.randrange(1, 4)
        s = " ".join(words)
    if r.random() < 0.15:
        s = s + r.choice(["!", "!!", "!!!", "?", "??", "...", " ..", "?!"])
    return s


def make_mention(r):
    """Returns (lang, complaint, text)."""
    lang = "en" if r.random() < 0.5 else "id"
    complaint = r.random() < 0.2
    templates, pads = BANKS[(lang, complaint)]
    s = _fill(r, r.choice(templates))
    target = _target_len(r)
    # pad with short sentences of the same kind (sometimes of the other kind)
    guard = 0
    used = set()
    while len(s) < target and guard < 8:
        guard += 1
        bank = pads if r.random() < 0.95 else BANKS[(lang, not complaint)][1]
        k = r.randrange(len(bank))
        if (bank is pads, k) in used:
            continue
        used.add((bank is pads, k))
        s = s + " " + _fill(r, bank[k])
    if r.random() < 0.25:
        s = s + " #" + r.choice(HASHTAGS_EN if lang == "en" else HASHTAGS_ID)
    if r.random() < 0.12:
        s = s + " " + _url(r)
    if r.random() < 0.15:
        s = _rand_handle(r) + " " + s
    s = _SPACES_RE.sub(" ", s).strip()
    s = _noise(r, s)
    if len(s) > 280:
        cut = s.rfind(" ", 0, 280)
        s = s[:cut if cut > 200 else 280].rstrip()
    return lang, complaint, s


SOURCES = ["x", "x", "x", "mastodon", "facebook", "instagram", "web"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000000, help="number of mentions (default 1000000)")
    ap.add_argument("--seed", type=int, default=20261122, help="random seed (default 20261122)")
    ap.add_argument("--out", default="-", help="output file (default stdout)")
    ap.add_argument("--ndjson", action="store_true",
                    help="write NDJSON mention objects instead of plain text lines")
    args = ap.parse_args(argv)

    r = random.Random(args.seed)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8", newline="\n")
    buf = []
    complaints = 0
    nbytes = 0
    try:
        for i in range(args.n):
            lang, complaint, text = make_mention(r)
            complaints += complaint
            if args.ndjson:
                handle = _rand_handle(r)
                followers = int(r.paretovariate(1.1) * 40) if r.random() < 0.98 else r.randrange(100000, 5000000)
                line = json.dumps({
                    "id": "bench:%d" % (i + 1),
                    "source": r.choice(SOURCES),
                    "text": text,
                    "lang": lang,
                    "author": {"handle": handle, "followers": followers},
                }, ensure_ascii=False)
            else:
                line = text
            buf.append(line)
            if len(buf) >= 4096:
                chunk = "\n".join(buf) + "\n"
                nbytes += len(chunk.encode("utf-8"))
                out.write(chunk)
                buf.clear()
        if buf:
            chunk = "\n".join(buf) + "\n"
            nbytes += len(chunk.encode("utf-8"))
            out.write(chunk)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.n:
        print("gen_corpus: %d mentions, %d complaint-like (%.1f%%), %.1f bytes/line"
              % (args.n, complaints, 100.0 * complaints / args.n, nbytes / args.n),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
