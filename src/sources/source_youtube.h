/*
 * source_youtube.h: the pure parts of the youtube source (source_youtube.c),
 * apart so unit tests and the fuzz harness reach them: the reading of a
 * commentThreads.list answer, and the quota arithmetic that spaces the
 * polls over the day.
 */
#ifndef KELUH_SOURCE_YOUTUBE_H
#define KELUH_SOURCE_YOUTUBE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tz;

/*
 * The comments of one commentThreads.list answer (a
 * youtube#commentThreadListResponse), each thread's top-level comment then
 * the replies the answer carries, in the answer's order (newest thread
 * first), as objects:
 *   {"mention": {id, text, url, created_at, author, reply_to, account},
 *    "author_channel": "UC..." (absent when the API gives none),
 *    "thread_ms": the thread's top-level publishedAt (Unix ms),
 *    "thread": the top-level comment's mention id,
 *    "last": true on the last comment of its thread}
 * A comment without an id, a time or any text is left out and counted in
 * *bad (*why: the first one's reason, static). account names the video or
 * channel read ("youtube:<id>"). *next: the nextPageToken (malloc'd), or
 * NULL. Returns NULL with err set when the answer is not such a list.
 */
json_t *source_youtube_parse(const char *data, size_t len, const char *account, char **next,
                             size_t *bad, const char **why, char *err, size_t errlen);

/*
 * When the daily quota resets: the first midnight in zone (Pacific time)
 * after now_s (Unix seconds), days of 23 and 25 hours included. With
 * test_day > 0 (tests only) the resets are at test_at and every test_day
 * seconds before and after it.
 */
int64_t source_youtube_next_reset(const struct tz *zone, int64_t now_s, int64_t test_at,
                                  int64_t test_day);

/*
 * The wait before the next poll round: the units left spread over the time
 * until the reset, a round costing round_cost units (its pages), never
 * less than floor_ms. When not even one round is left: until the reset.
 */
int64_t source_youtube_interval_ms(long units_left, long round_cost, int64_t ms_to_reset,
                                   int64_t floor_ms);

#endif
