# shellcheck shell=bash
# A small parallel step runner with a progress display, for the first-run set-up (sourced by
# scripts/lib.sh, not run).
#
# The set-up of a fresh machine is a handful of long steps (apt, three `cargo install`s, npm, the
# first builds) of which several do not depend on each other. Run one after the other they leave
# a core idle through every single-threaded phase (links, code generation of one big crate) and
# every download; run here, each starts as soon as the steps it needs are done.
#
#   steps_add ID "Title" DEFAULT_SECONDS "DEP DEP…" FUNCTION [head-start]
#   steps_run            # runs every added step; 0 when every install succeeded
#
# A step is added only when there is work for it, so a warm machine adds none, and steps_run then
# returns at once and prints nothing. A dependency on a step that was not added counts as met.
# Each step's output goes to $SHOP_LOGS/ID.log; its duration, when it succeeds, to
# $SHOP_CACHE/timings/ID, the estimate shown the next time ("usually 9 min"). DEFAULT_SECONDS is
# the estimate before any run on this machine: for the run command's steps, what BENCHMARKS.md
# P0 measured on a fresh 2-core machine (all steps side by side); for the others, a guess.
#
# A `head-start` step is a build that the command runs again right after the set-up (cargo then
# finds its work done): when it fails, the set-up says so in one line and goes on, and the
# command's own build shows the error. Any other failed step stops the set-up, and the steps
# still running with it. Nothing may depend on a head-start step.
#
# On a terminal the display is one line per step, redrawn every second; elsewhere (CI, a log)
# a line when a step starts or ends and a summary of the running steps every minute.

STEP_IDS=()
declare -A STEP_TITLE=() STEP_EST=() STEP_DEPS=() STEP_FN=() STEP_STATE=() STEP_T0=() STEP_PID=() STEP_TOOK=() STEP_SOFT=()

steps_add() {
    local id=$1
    STEP_IDS+=("$id")
    STEP_TITLE[$id]=$2
    STEP_EST[$id]=$(cat "$SHOP_CACHE/timings/$id" 2>/dev/null || echo "$3")
    STEP_DEPS[$id]=$4
    STEP_FN[$id]=$5
    STEP_SOFT[$id]=${6:-}
    STEP_STATE[$id]=pending
}

_steps_clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

_steps_usually() {
    local s=$1
    if ((s < 90)); then printf 'usually %d s' "$s"; else printf 'usually %d min' $(((s + 30) / 60)); fi
}

_steps_label() {
    local id=$1 i
    for i in "${!STEP_IDS[@]}"; do
        [[ ${STEP_IDS[$i]} == "$id" ]] && break
    done
    printf '[%d/%d] %s' $((i + 1)) "${#STEP_IDS[@]}" "${STEP_TITLE[$id]}"
}

# The descendants of a process, deepest first (cargo and rustc run under each step's shell).
_steps_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        _steps_tree "$child"
    done
    echo "$1"
}

_steps_kill_running() {
    local id
    for id in "${STEP_IDS[@]}"; do
        [[ ${STEP_STATE[$id]} == running ]] || continue
        # shellcheck disable=SC2046 # one pid a word
        kill -TERM $(_steps_tree "${STEP_PID[$id]}") 2>/dev/null || true
        STEP_STATE[$id]=stopped
    done
}

_steps_ready() {
    local dep
    for dep in ${STEP_DEPS[$1]}; do
        [[ -z ${STEP_STATE[$dep]+set} || ${STEP_STATE[$dep]} == done ]] || return 1
    done
}

_steps_line() {
    local id=$1 now=$2 state=${STEP_STATE[$1]} label
    label=$(_steps_label "$id")
    case $state in
        done) printf '  ✓ %s — %s' "$label" "$(_steps_clock "${STEP_TOOK[$id]}")" ;;
        running) printf '  ▸ %s — %s — %s' "$label" "$(_steps_usually "${STEP_EST[$id]}")" \
            "$(_steps_clock $((now - STEP_T0[$id])))" ;;
        failed) printf '  ✗ %s — failed after %s' "$label" "$(_steps_clock "${STEP_TOOK[$id]}")"
            [[ ${STEP_SOFT[$id]} == head-start ]] &&
                printf '; the command builds it next and shows why (log: %s)' "$SHOP_LOGS/$id.log" ;;
        *) printf '  · %s — %s, waiting' "$label" "$(_steps_usually "${STEP_EST[$id]}")" ;;
    esac
}

_STEPS_DRAWN=0
_steps_draw() {
    local now=$1 id
    ((_STEPS_DRAWN > 0)) && printf '\033[%dF' "$_STEPS_DRAWN" >&2
    for id in "${STEP_IDS[@]}"; do
        printf '%s\033[K\n' "$(_steps_line "$id" "$now")" >&2
    done
    _STEPS_DRAWN=${#STEP_IDS[@]}
}

_steps_say() { printf 'setup: %s\n' "$*" >&2; }

steps_run() {
    local count=${#STEP_IDS[@]}
    ((count > 0)) || return 0
    local t0=$SECONDS tty=0 id status now last_summary=$SECONDS failed="" summary
    [[ -t 2 ]] && tty=1
    mkdir -p "$SHOP_LOGS" "$SHOP_CACHE/timings"
    _steps_say "$count set-up steps for this machine (logs: $SHOP_LOGS)"
    trap '_steps_kill_running; exit 130' INT
    trap '_steps_kill_running; exit 143' TERM HUP
    while :; do
        now=$SECONDS
        for id in "${STEP_IDS[@]}"; do
            [[ ${STEP_STATE[$id]} == running ]] || continue
            kill -0 "${STEP_PID[$id]}" 2>/dev/null && continue
            status=0
            wait "${STEP_PID[$id]}" || status=$?
            STEP_TOOK[$id]=$((now - STEP_T0[$id]))
            if ((status == 0)); then
                STEP_STATE[$id]=done
                echo "${STEP_TOOK[$id]}" >"$SHOP_CACHE/timings/$id"
                ((tty)) || _steps_say "$(_steps_line "$id" "$now")"
            elif [[ ${STEP_SOFT[$id]} == head-start ]]; then
                STEP_STATE[$id]=failed
                ((tty)) || _steps_say "$(_steps_line "$id" "$now")"
            else
                STEP_STATE[$id]=failed
                failed=$id
            fi
        done
        [[ -n $failed ]] && break
        for id in "${STEP_IDS[@]}"; do
            [[ ${STEP_STATE[$id]} == pending ]] && _steps_ready "$id" || continue
            STEP_STATE[$id]=running
            STEP_T0[$id]=$now
            (set -e; "${STEP_FN[$id]}") >"$SHOP_LOGS/$id.log" 2>&1 </dev/null &
            STEP_PID[$id]=$!
            ((tty)) || _steps_say "  ▸ $(_steps_label "$id") — $(_steps_usually "${STEP_EST[$id]}") — started"
        done
        summary=""
        for id in "${STEP_IDS[@]}"; do
            [[ ${STEP_STATE[$id]} == running ]] &&
                summary+="${summary:+; }$(_steps_label "$id") $(_steps_clock $((now - STEP_T0[$id]))) of ~$(_steps_clock "${STEP_EST[$id]}")"
        done
        [[ -z $summary ]] && break
        if ((tty)); then
            _steps_draw "$now"
        elif ((now - last_summary >= 60)); then
            _steps_say "running: $summary"
            last_summary=$now
        fi
        sleep 1
    done
    ((tty)) && _steps_draw "$SECONDS"
    trap - INT TERM HUP
    if [[ -n $failed ]]; then
        _steps_kill_running
        wait 2>/dev/null || true
        local log="$SHOP_LOGS/$failed.log"
        sed -n '/[^[:space:]]/p' "$log" | tail -n 15 | sed 's/^/  | /' >&2
        _steps_say "FAILED: $(_steps_label "$failed") after $(_steps_clock "${STEP_TOOK[$failed]}"):" \
            "$(sed -n '/[^[:space:]]/p' "$log" | tail -n 1 | cut -c1-200) (full log: $log)"
        return 1
    fi
    _steps_say "set-up done in $(_steps_clock $((SECONDS - t0)))"
    SHOP_SETUP_SECONDS=$((SECONDS - t0))
    export SHOP_SETUP_SECONDS
}
