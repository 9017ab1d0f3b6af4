#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/feed.h"
#include "unit.h"
#include "lib/util.h"

static struct feed
parse_ok(const char *doc, const char *base)
{
	struct feed f;
	char err[400];

	ck_assert_msg(feed_parse(&f, doc, strlen(doc), base, err, sizeof(err)) == 0, "%s", err);
	return f;
}

static void
str_eq(const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "want nothing, got '%s'", got);
	else {
		ck_assert_msg(got != NULL, "want '%s', got nothing", want);
		ck_assert_str_eq(got, want);
	}
}

/* A review site's RSS 2.0: CDATA, entities, HTML in the description. */
START_TEST(rss2)
{
	struct feed f = parse_ok(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	    "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n"
	    "<channel><title>Acme reviews</title><link>https://reviews.example/acme</link>\n"
	    "<item>\n"
	    "  <title>Login gagal terus &amp; refund &#8212; lambat</title>\n"
	    "  <link>https://reviews.example/acme/r/981</link>\n"
	    "  <description><![CDATA[<p>Sudah <b>3 hari</b> tidak bisa login.</p><p>Tolong &amp; "
	    "cepat!</p>]]></description>\n"
	    "  <guid isPermaLink=\"false\">review-981</guid>\n"
	    "  <pubDate>Mon, 23 Nov 2026 12:30:00 +0700</pubDate>\n"
	    "  <dc:creator>Budi S.</dc:creator>\n"
	    "</item>\n"
	    "<item>\n"
	    "  <title>Kartu ditolak</title>\n"
	    "  <link>/acme/r/980</link>\n"
	    "  <description>&lt;p&gt;Kartu saya ditolak &amp;amp; uang terpotong&lt;/p&gt;"
	    "</description>\n"
	    "  <author>sari@example.com (Sari W)</author>\n"
	    "  <pubDate>Sun, 22 Nov 2026 09:00:00 GMT</pubDate>\n"
	    "</item>\n"
	    "</channel></rss>\n", "https://reviews.example/feed.xml");

	ck_assert_int_eq(f.kind, FEED_RSS);
	ck_assert_uint_eq(f.nitems, 2);
	str_eq(f.items[0].id, "review-981");
	str_eq(f.items[0].text, "Login gagal terus & refund \xe2\x80\x94 lambat\n\n"
	    "Sudah 3 hari tidak bisa login.\n\nTolong & cepat!");
	str_eq(f.items[0].url, "https://reviews.example/acme/r/981");
	str_eq(f.items[0].created_at, "2026-11-23T05:30:00Z");
	str_eq(f.items[0].author, "Budi S.");
	ck_assert_int_eq(f.items[0].bad_utf8, 0);
	/* no guid: the link is the id, made absolute against the feed's URL */
	str_eq(f.items[1].url, "https://reviews.example/acme/r/980");
	str_eq(f.items[1].id, "https://reviews.example/acme/r/980");
	str_eq(f.items[1].text, "Kartu ditolak\n\nKartu saya ditolak & uang terpotong");
	str_eq(f.items[1].author, "Sari W");
	str_eq(f.items[1].created_at, "2026-11-22T09:00:00Z");
	feed_free(&f);
}
END_TEST

/* Google Alerts: Atom with HTML titles and content, and a redirect link. */
START_TEST(google_alerts)
{
	struct feed f = parse_ok(
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:idx=\"urn:atom-extension:indexing\">"
	    "<id>tag:google.com,2005:reader/user/06848471234567890123/state/com.google/alerts/"
	    "1234567890123456789</id><title>Google Alert - acme</title>"
	    "<link href=\"https://www.google.com/alerts/feeds/06848471234567890123/"
	    "1234567890123456789\" rel=\"self\"></link><updated>2026-11-23T04:51:12Z</updated>"
	    "<entry><id>tag:google.com,2013:googlealerts/feed:10957327654321098765</id>"
	    "<title type=\"html\">&lt;b&gt;Acme&lt;/b&gt; app down for hours, users can&amp;#39;t "
	    "log in</title>"
	    "<link href=\"https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example/"
	    "acme-outage&amp;ct=ga&amp;cd=CAIyGj&amp;usg=AOvVaw1\"></link>"
	    "<published>2026-11-23T04:51:12Z</published><updated>2026-11-23T04:55:00Z</updated>"
	    "<content type=\"html\">Customers of &lt;b&gt;Acme&lt;/b&gt; reported &amp;quot;"
	    "login failed&amp;quot; errors &amp;middot; the company said ...</content>"
	    "<author><name></name></author></entry></feed>", NULL);

	ck_assert_int_eq(f.kind, FEED_ATOM);
	ck_assert_uint_eq(f.nitems, 1);
	str_eq(f.items[0].id, "tag:google.com,2013:googlealerts/feed:10957327654321098765");
	str_eq(f.items[0].text, "Acme app down for hours, users can't log in\n\n"
	    "Customers of Acme reported \"login failed\" errors \xc2\xb7 the company said ...");
	str_eq(f.items[0].url, "https://www.google.com/url?rct=j&sa=t&url=https://news.example/"
	    "acme-outage&ct=ga&cd=CAIyGj&usg=AOvVaw1");
	str_eq(f.items[0].created_at, "2026-11-23T04:51:12Z");
	str_eq(f.items[0].author, NULL);
	feed_free(&f);
}
END_TEST

/* Atom: xhtml content, xml:base, rel=alternate, an offset date, no published. */
START_TEST(atom_xhtml)
{
	struct feed f = parse_ok(
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://blog.example/acme/\">"
	    "<entry><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>"
	    "<title>Refund</title>"
	    "<link rel=\"edit\" href=\"/edit/1\"/><link rel=\"alternate\" type=\"text/html\" "
	    "href=\"posts/refund\"/>"
	    "<updated>2026-11-23T10:00:00.5+07:00</updated>"
	    "<summary>short</summary>"
	    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Uang belum "
	    "<em>kembali</em></p><p>sudah 2 minggu</p></div></content>"
	    "<author><name>Rina</name></author></entry></feed>", NULL);

	ck_assert_uint_eq(f.nitems, 1);
	str_eq(f.items[0].text, "Refund\n\nUang belum kembali\n\nsudah 2 minggu");
	str_eq(f.items[0].url, "https://blog.example/acme/posts/refund");
	str_eq(f.items[0].created_at, "2026-11-23T03:00:00Z");
	str_eq(f.items[0].author, "Rina");
	feed_free(&f);
}
END_TEST

START_TEST(rdf)
{
	struct feed f = parse_ok(
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
	    "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	    "<channel rdf:about=\"https://x.example/\"><title>x</title></channel>"
	    "<item rdf:about=\"https://x.example/1\"><title>pesanan hilang</title>"
	    "<link>https://x.example/1</link><dc:date>2026-11-20T08:00:00Z</dc:date>"
	    "<dc:creator>anon</dc:creator></item></rdf:RDF>", NULL);

	ck_assert_int_eq(f.kind, FEED_RDF);
	ck_assert_uint_eq(f.nitems, 1);
	str_eq(f.items[0].id, "https://x.example/1");
	str_eq(f.items[0].text, "pesanan hilang");
	str_eq(f.items[0].created_at, "2026-11-20T08:00:00Z");
	str_eq(f.items[0].author, "anon");
	feed_free(&f);
}
END_TEST

START_TEST(malformed)
{
	static const struct {
		const char *doc, *want;
	} bad[] = {
		{ "<rss version=\"2.0\"><channel><item><title>x</item></channel></rss>",
		  "not well-formed XML (line 1" },
		{ "<!DOCTYPE html><html><body>Sign in</body></html>",
		  "not an RSS or Atom feed (the root element is <html>)" },
		{ "<rss version=\"2.0\"></rss>", "an <rss> document without a <channel>" },
		{ "", "the answer is empty" },
		{ "{\"items\": []}", "not well-formed XML" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct feed f;
		char err[400] = "";

		ck_assert_int_eq(feed_parse(&f, bad[i].doc, strlen(bad[i].doc), NULL, err,
		    sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].want) != NULL, "case %zu: '%s'", i, err);
		ck_assert_uint_eq(f.nitems, 0);
	}
}
END_TEST

/* External entities are never fetched, internal ones never expanded. */
START_TEST(entities)
{
	struct feed f;
	char err[400];
	const char *xxe =
	    "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
	    "<!ENTITY web SYSTEM \"http://127.0.0.1:1/x\">]>"
	    "<rss version=\"2.0\"><channel><item><guid>1</guid><title>a&xxe;b&web;c</title>"
	    "</item></channel></rss>";
	struct buf lol;

	ck_assert_int_eq(feed_parse(&f, xxe, strlen(xxe), NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(f.nitems, 1);
	str_eq(f.items[0].text, "abc");
	feed_free(&f);

	/* billion laughs: refused by the parser or left unexpanded, never 3 GB of text */
	buf_init(&lol);
	buf_adds(&lol, "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY l0 \"lol\">");
	for (int i = 1; i < 10; i++)
		buf_printf(&lol, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;"
		    "&l%d;\">", i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	buf_adds(&lol, "]><rss version=\"2.0\"><channel><item><guid>1</guid><title>x&l9;</title>"
	    "</item></channel></rss>");
	if (feed_parse(&f, lol.data, lol.len, NULL, err, sizeof(err)) == 0) {
		ck_assert_uint_eq(f.nitems, 1);
		str_eq(f.items[0].text, "x");
		feed_free(&f);
	}
	buf_free(&lol);
}
END_TEST

/* A byte that is not UTF-8 spoils its item only; another encoding is converted. */
START_TEST(encodings)
{
	struct feed f = parse_ok(
	    "<rss version=\"2.0\"><channel>"
	    "<item><guid>1</guid><title>bagus</title></item>"
	    "<item><guid>2</guid><title>rusak \xff\xfe di sini</title></item>"
	    "<item><guid>3</guid><title>caf\xc3\xa9 ok</title></item>"
	    "</channel></rss>", NULL);

	ck_assert_uint_eq(f.nitems, 3);
	ck_assert_int_eq(f.items[0].bad_utf8, 0);
	ck_assert_int_eq(f.items[1].bad_utf8, 1);
	ck_assert_int_eq(f.items[2].bad_utf8, 0);
	str_eq(f.items[2].text, "caf\xc3\xa9 ok");
	feed_free(&f);

	f = parse_ok("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel>"
	    "<item><guid>1</guid><title>caf\xe9</title></item></channel></rss>", NULL);
	ck_assert_int_eq(f.items[0].bad_utf8, 0);
	str_eq(f.items[0].text, "caf\xc3\xa9");
	feed_free(&f);
}
END_TEST

START_TEST(too_many)
{
	struct buf b;
	struct feed f;
	char err[200];

	buf_init(&b);
	buf_adds(&b, "<rss version=\"2.0\"><channel>");
	for (int i = 0; i < FEED_MAX_ITEMS + 5; i++)
		buf_printf(&b, "<item><guid>%d</guid><title>t</title></item>", i);
	buf_adds(&b, "</channel></rss>");
	ck_assert_int_eq(feed_parse(&f, b.data, b.len, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(f.nitems, FEED_MAX_ITEMS);
	ck_assert_uint_eq(f.nextra, 5);
	feed_free(&f);
	buf_free(&b);
}
END_TEST

START_TEST(dates)
{
	static const struct {
		const char *in;
		int64_t want;
	} d[] = {
		{ "Mon, 23 Nov 2026 05:00:00 GMT", 1795410000000LL },
		{ "Mon, 23 Nov 2026 12:00:00 +0700", 1795410000000LL },
		{ "23 Nov 2026 00:00:00 EST", 1795410000000LL },
		{ "2026-11-23T05:00:00Z", 1795410000000LL },
		{ "2026-11-23T05:00:00.123456Z", 1795410000000LL },
		{ "2026-11-23T07:30:00+02:30", 1795410000000LL },
		{ "2026-11-22T23:00:00-06:00", 1795410000000LL },
		{ " 2026-11-23T05:00:00Z", 1795410000000LL },
		{ "2026-11-23", 1795392000000LL },
		{ "2026-13-23T05:00:00Z", -1 },
		{ "2026-11-23T05:00:00Zjunk", -1 },
		{ "yesterday-ish", -1 },
		{ "", -1 },
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		ck_assert_msg(feed_date(d[i].in) == d[i].want, "'%s': %lld", d[i].in,
		    (long long)feed_date(d[i].in));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feed");

	tcase_add_test(tc, rss2);
	tcase_add_test(tc, google_alerts);
	tcase_add_test(tc, atom_xhtml);
	tcase_add_test(tc, rdf);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, entities);
	tcase_add_test(tc, encodings);
	tcase_add_test(tc, too_many);
	tcase_add_test(tc, dates);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
