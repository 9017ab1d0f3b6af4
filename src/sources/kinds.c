/*
 * kinds.c: the registry of source kinds, in the order keluhd.yaml(5) and
 * the loader's messages list them.
 *
 * How to add a source kind: write src/sources/source_NAME.c with its
 * options struct (private to the file), the keys it takes with their
 * types (a struct conf_key NAME_keys[]: tests/unit/test_conf_sources.c
 * tries each duration, size, rate, number and boolean with a value of the
 * wrong form), and a
 * `const struct source_kind source_kind_NAME` whose conf part parses,
 * compares and frees those options and whose start makes the running
 * source; take the shared pieces from the base (source_conf.h: network
 * options, health keys; source.h: source_new, source_cursor_get/set,
 * source_take_json; source_queue.h). Then add one line here and the file
 * to libkeluh_a_SOURCES in Makefile.am, document the type and its keys in
 * man/keluhd.yaml.5 (tests/manual.sh checks), and add its cases to
 * tests/unit/test_conf_sources.c, with a minimal source of the kind.
 */
#include "config.h"

#include <stddef.h>

#include "conf/conf_source.h"
#include "sources/source.h"

extern const struct source_kind source_kind_demo, source_kind_stdin, source_kind_file,
    source_kind_sse, source_kind_ndjson_stream, source_kind_json_poll, source_kind_rss,
    source_kind_mastodon, source_kind_x, source_kind_reddit, source_kind_webhook,
    source_kind_youtube, source_kind_google_play, source_kind_app_store, source_kind_bluesky,
    source_kind_meta, source_kind_tiktok;

const struct conf_source_kind *const conf_source_kinds[] = {
    &source_kind_demo.conf,
    &source_kind_stdin.conf,
    &source_kind_file.conf,
    &source_kind_sse.conf,
    &source_kind_ndjson_stream.conf,
    &source_kind_json_poll.conf,
    &source_kind_rss.conf,
    &source_kind_mastodon.conf,
    &source_kind_x.conf,
    &source_kind_reddit.conf,
    &source_kind_webhook.conf,
    &source_kind_youtube.conf,
    &source_kind_google_play.conf,
    &source_kind_app_store.conf,
    &source_kind_bluesky.conf,
    &source_kind_meta.conf,
    &source_kind_tiktok.conf,
    NULL,
};
