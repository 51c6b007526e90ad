# Sourced by the test runners (scripts/run-unit, tests/integration/run):
# their pool (pool_run), each item's CPU seconds (pool_cpu_secs), and the
# js_* functions that make the pool a client of GNU make's jobserver when
# `make test` started the runner (a `+` recipe of `make -jN test-pool`,
# MAKEFLAGS naming the token pipe), so its binaries or scripts take their
# places in the one pool of N that the builds and the other runners share.
# Started any other way (make test-unit, by hand), the js_* functions do
# nothing and the runner's own JOBS cap alone applies.
#
# The protocol: one byte read from the pipe is one more process allowed to
# run; it is written back when that process ends. A recipe already holds
# one place when it starts (make took it to start the recipe), and the
# runner itself uses no CPU, so js_join writes that place into the pipe and
# js_leave reads one back before the runner exits. Every item then takes a
# byte before it starts (js_take) and its own subshell gives it back when it
# ends (js_give), so no item's place waits on its runner, which may itself
# be waiting in js_take: the places always come back.

JS_R='' JS_W=''

# js_join: finds the pipe's two descriptors in MAKEFLAGS
# (--jobserver-auth=R,W, GNU make 4.3) and uses them only if they are pipes
# open in this process (make passes them to `+` recipes only); then gives the
# recipe's own place to the pool. The pool's MAKEFLAGS are not passed on:
# an item running make (a test script's `make deb`) builds on its own.
js_join() {
    local auth r w
    auth=$(printf '%s\n' " ${MAKEFLAGS:-} " | sed -n 's/.* --jobserver-auth=\([0-9][0-9]*\),\([0-9][0-9]*\) .*/\1 \2/p')
    [ -n "$auth" ] || return 0
    read -r r w <<EOF
$auth
EOF
    [ -p "/proc/self/fd/$r" ] && [ -p "/proc/self/fd/$w" ] || return 0
    # make 4.3 reads its end without blocking (O_NONBLOCK, shared by every
    # process holding that descriptor); the pipe opened again through
    # /proc is a reading end of our own that blocks until a byte comes.
    { exec {JS_R}<"/proc/self/fd/$r"; } 2>/dev/null || { JS_R=""; return 0; }
    exec {r}<&-
    JS_W=$w
    MAKEFLAGS=$(printf '%s\n' " $MAKEFLAGS " | sed 's/ --jobserver-auth=[^ ]*//g; s/ -j[0-9]* / /g')
    export MAKEFLAGS
    js_give
}

# js_take: blocks until the pool has a place for one more process.
js_take() {
    local token
    [ -n "$JS_R" ] || return 0
    read -r -n 1 -u "$JS_R" token
}

# js_give: hands one place back.
js_give() {
    [ -n "$JS_W" ] || return 0
    printf '+' >&"$JS_W"
}

# js_leave: takes back the place js_join gave, which make returns when the
# recipe ends.
js_leave() {
    js_take
}

# pool_cpu_secs FILE: writes to FILE the CPU seconds (user + system) of
# this subshell's finished children: what an item costs, which its wall
# time under load does not say. `times` runs in this shell, not in a
# pipe's or $(...)'s subshell, which would count its own children only.
pool_cpu_secs() {
    times >"$1.times"
    awk 'NR == 2 {
        n = 0
        for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] }
        printf "%.0f\n", n }' "$1.times" >"$1"
    rm -f "$1.times"
}

# pool_run DIR JOBS ITEM...: runs `run_one ITEM` in the background for each
# ITEM in order, at most JOBS at a time and, under `make test`, each in a
# place of make's pool; calls `report NAME` (NAME: ITEM's last path
# component) once DIR/NAME.rc exists, which run_one writes last. Returns
# when every item has ended and been reported.
pool_run() {
    local dir=$1 jobs=$2 item
    local running=()
    shift 2
    js_join
    for item in "$@"; do
        while [ "${#running[@]}" -ge "$jobs" ]; do
            wait -n 2>/dev/null || true
            pool_reap "$dir"
        done
        js_take
        pool_reap "$dir"
        { run_one "$item"; js_give; } &
        running+=("${item##*/}")
    done
    wait
    js_leave
    pool_reap "$dir"
}

pool_reap() { # DIR: reports pool_run's items that have ended
    local r still=()
    for r in "${running[@]}"; do
        if [ -f "$1/$r.rc" ]; then report "$r"; else still+=("$r"); fi
    done
    running=("${still[@]}")
}

# js_run CMD...: runs CMD without the pipe's descriptors (a test that
# counts its open files, a daemon that outlives its script).
js_run() {
    if [ -n "$JS_R" ]; then
        "$@" {JS_R}<&- {JS_W}>&-
    else
        "$@"
    fi
}
