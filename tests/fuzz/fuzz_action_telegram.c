/*
 * fuzz_action_telegram: Telegram updates, by webhook with the right secret
 * token (each update_id taken once) and as a getUpdates answer: known
 * codes, whole actions, and an offset that never goes back.
 */
#include "config.h"

#include "fuzz_action.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct receiver r = {.name = "t",
	                     .type = RCV_TELEGRAM,
	                     .updates_webhook = 1,
	                     .webhook_secret = "s3cret",
	                     .secret = "1:x"};
	struct fa_headers h = {{"X-Telegram-Bot-Api-Secret-Token", NULL}, {"s3cret", ""}};
	struct rcv_action a, acts[8];
	struct sign_replay *replay = sign_replay_new(8);
	int64_t next = 5, before;
	char *body, why[256];
	size_t skipped;
	int rc, n;

	fa_init();
	body = fa_copy(data, size);
	struct rcv_action_req req = {body, size, fa_get, &h, FA_NOW, replay, fa_link_key};
	rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
	fa_check(rc, &a, why);
	if (rc == RCV_ACTION_OK || rc == RCV_ACTION_IGNORE) {
		rc = receiver_action_parse(&r, &req, &a, why, sizeof(why));
		fuzz_assert(rc == RCV_ACTION_EAUTH, "an update taken twice (%d)", rc);
	}
	before = next;
	n = rcv_telegram_updates(body, size, acts, 8, &next, &skipped, why, sizeof(why));
	fuzz_assert(n >= -1 && n <= 8, "%d actions", n);
	fuzz_assert(next >= before, "the offset went back");
	for (int i = 0; i < n; i++)
		fa_check(RCV_ACTION_OK, &acts[i], "");
	sign_replay_free(replay);
	free(body);
	return 0;
}
