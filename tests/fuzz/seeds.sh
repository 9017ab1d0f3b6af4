# tests/fuzz/seeds.sh: the seed inputs of each harness, for run.sh and
# tests/fuzz_replay.sh. Sourced; top is the source tree.

# fuzz_names: every harness, from the tests/fuzz/fuzz_*.c files
fuzz_names() {
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		echo "${f%.c}"
	done
}

# fuzz_seeds NAME: its seed files and directories (those that exist): its
# own small corpus, plus the files of the tree that already are such input
fuzz_seeds() {
	set -- "$1" "tests/fuzz/corpus/$1"
	case $1 in
	mention | normalize) set -- "$@" etc/samples/mentions.ndjson ;;
	rules) set -- "$@" packs/core packs/city tests/rules/broken ;;
	esac
	shift
	for s in "$@"; do
		[ -e "$top/$s" ] && echo "$top/$s"
	done
}

# fuzz_dict NAME: its libFuzzer dictionary, if it has one
fuzz_dict() {
	case $1 in
	mention | jetstream | action_discord | action_telegram | action_mattermost | youtube | reviews | meta | \
	webhook) d=json ;;
	httpd) d=http ;;
	htmltext) d=html ;;
	feed) d=xml ;;
	stream) d=sse ;;
	rules) d=yaml ;;
	*) return 0 ;;
	esac
	[ -f "$top/tests/fuzz/$d.dict" ] && echo "$top/tests/fuzz/$d.dict"
	return 0
}

# fuzz_max_len NAME: the longest input libFuzzer makes. Super-linear time
# only shows on long inputs (a quadratic loop is invisible at 16 KB), so
# most harnesses go to 1 MiB; httpd's head is 16 KiB at most and a
# signature check's inputs are short.
fuzz_max_len() {
	case $1 in
	httpd | sign | action_*) echo 65536 ;;
	# a rule file is compiled whole on every run: 256 KiB is some 10,000
	# keywords or 25,000 levels of nesting, enough to show what grows
	rules) echo 262144 ;;
	*) echo 1048576 ;;
	esac
}
