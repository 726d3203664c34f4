#!/usr/bin/env bash
# A sharded run on a real Slurm cluster of one host, brought up and torn down
# here: munged, slurmctld and slurmd, private to this script (their own
# config, munge key and socket, ports, state and logs in a temporary
# folder; nothing under /etc is read or changed), so it runs the same on CI
# and by hand, and twice in a row.
#
#   1. a single 200,000-trial run of scenarios/baseline.toml;
#   2. the same run as an array of 4 shards (deploy/slurm/run-shards.sbatch)
#      and the merge job depending on it (deploy/slurm/merge.sbatch): every
#      file of the merged folder cmp-identical to the single run's, and its
#      manifest.json equal but for wall time, threads, out and reproduce's
#      --out;
#   3. a fault: the array again with task 2 cancelled while it runs; the
#      other shards finish, task 2 leaves no shard folder, and a merge fails (exit 2)
#      naming "missing trials 100000 to 149999"; task 2 resubmitted alone, the
#      merge then matches the single run as in 2;
#   4. a sweep of 4 combinations (a tenth of the trials each) as an array of
#      2 `sweep --shard auto` tasks and a merge job: sweep.csv cmp-identical
#      to the single sweep's, its manifest.json equal but for out and wall
#      time.
#
# It needs root (slurmd starts the jobs) and Slurm's daemons and clients
# with munge (Debian: slurmctld slurmd slurm-client munge, which .ci/run
# installs); it installs nothing and fails when one is missing.
# SLURM_TEST_TRIALS=N runs N trials instead of 200,000 (a quicker try).
# SLURM_TEST_KEEP=1 keeps the temporary folder (runs, job outputs, daemon
# logs); the daemons are stopped all the same.
# Usage: tests/slurm.sh ROFRSIM_BINARY
set -euo pipefail
# Command substitutions ($(merge_job ...)) stop at a failure too.
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
started=$SECONDS
# The daemons and mungekey are in sbin, which a PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

# Every wait below is bounded; a debug build runs a 50,000-trial shard in
# about 2 minutes on one core.
BRINGUP_TIMEOUT=${SLURM_TEST_BRINGUP_TIMEOUT:-90}
JOB_TIMEOUT=${SLURM_TEST_JOB_TIMEOUT:-1800}
# 200,000 trials: more than the 100,000 that sensitivity.csv ranks, so the
# merge must take those from the first shards only. Fewer for a quick try.
TRIALS=${SLURM_TEST_TRIALS:-200000}
SEED=20250101
SHARDS=4
# Shard 2's trials, which the merge must name when it is missing.
missing="missing trials $((2 * TRIALS / SHARDS)) to $((3 * TRIALS / SHARDS - 1))"

fail() {
    echo "slurm.sh: FAILED: $*" >&2
    exit 1
}

if [[ $# -ne 1 || ! -x "$1" ]]; then
    fail "usage: tests/slurm.sh ROFRSIM_BINARY (an executable rofrsim)"
fi
bin=$(realpath "$1")
scenario=$(realpath scenarios/baseline.toml)
[[ "$(id -u)" == 0 ]] || fail "must run as root: slurmd starts the jobs as root"
absent=()
for tool in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel python3; do
    command -v "$tool" >/dev/null 2>&1 || absent+=("$tool")
done
if [[ ${#absent[@]} -gt 0 ]]; then
    fail "${absent[*]} not found (Debian: apt-get install slurmctld slurmd slurm-client munge; .ci/run does it)"
fi

work=$(mktemp -d -t rofrsim-slurm.XXXXXX)
# munged wants every folder above its socket searchable by all.
chmod 711 "$work"
mkdir -p "$work"/{munge,state,spool,log,runs}
# The daemons, in the order started; slurmctld's also on its own.
pids=()
ctld_pid=""

# The daemons' logs and the jobs' outputs; a daemon's stderr (.out) only
# when its log file is empty, as when it stopped before opening it.
dump_logs() {
    local f
    for f in "$work"/log/*; do
        [[ -f "$f" ]] || continue
        [[ "$f" == *.out && -s "${f%.out}.log" ]] && continue
        echo "----- ${f#"$work"/} (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
}

# Cancels what is still queued, then stops the daemons this script started,
# by their process ids, on success and failure alike.
cleanup() {
    local rc=$? queued t
    trap - EXIT INT TERM
    set +e
    if [[ $rc -ne 0 ]]; then
        dump_logs
        [[ -n "$ctld_pid" ]] && kill -0 "$ctld_pid" 2>/dev/null &&
            squeue -a -o '%.18i %.9P %.20j %.8T %.10M %R' >&2
    fi
    # The clients wait MessageTimeout for a slurmctld that is gone.
    if [[ -n "$ctld_pid" ]] && kill -0 "$ctld_pid" 2>/dev/null; then
        # Running jobs get KillWait (2 s) to end before slurmd goes.
        scancel --quiet --full --user=root 2>/dev/null
        t=0
        while [[ $t -lt 20 ]] && queued=$(squeue -h -a -o %i 2>/dev/null) && [[ -n "$queued" ]]; do
            sleep 1
            t=$((t + 1))
        done
    fi
    if [[ ${#pids[@]} -gt 0 ]]; then
        local i
        # slurmd, slurmctld, then munged: the reverse order of their start,
        # each given 10 s to go.
        for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
            kill "${pids[i]}" 2>/dev/null
            t=0
            while kill -0 "${pids[i]}" 2>/dev/null && [[ $t -lt 100 ]]; do
                sleep 0.1
                t=$((t + 1))
            done
            kill -0 "${pids[i]}" 2>/dev/null && kill -9 "${pids[i]}"
            wait "${pids[i]}" 2>/dev/null
        done
    fi
    if [[ -n "${SLURM_TEST_KEEP:-}" ]]; then
        echo "slurm.sh: kept $work (SLURM_TEST_KEEP)"
    else
        rm -rf "$work"
    fi
    echo "slurm.sh: wall time $((SECONDS - started)) s"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $1 seconds for the command after $2 (a description) to
# succeed.
wait_for() {
    local timeout=$1 what=$2 t=0
    shift 2
    until "$@"; do
        if [[ $t -ge $timeout ]]; then
            fail "timed out after ${timeout}s waiting for $what"
        fi
        sleep 1
        t=$((t + 1))
    done
}

# --- the cluster -----------------------------------------------------------
host=$(hostname -s)
# The node as slurmd sees it (CPUs, sockets, cores, memory), without the
# UpTime line that slurmd -C adds; reached through the loopback address so
# that a host name that does not resolve does not matter.
node_line=$(slurmd -C | grep '^NodeName=') || fail "slurmd -C printed no NodeName line"
node=${node_line#NodeName=}
node=${node%% *}
# Ports above the usual 6817/6818, so that a Slurm already on the host is
# left alone; $$ keeps two runs apart.
ctld_port=$((20000 + $$ % 20000))
slurmd_port=$((ctld_port + 1))

munge_socket=$work/munge/munge.socket
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=rofrsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: the jobs are plain processes that slurmd tracks by parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# Cores as the unit: a 1-CPU task at a time per core, so shards run side by
# side on 2 cores and queue when there are more.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# Short timeouts: a cancelled task is killed 2 s after its SIGTERM. A
# finished job stays visible to scontrol for an hour (there is no
# accounting database to ask instead).
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
InactiveLimit=0
KillWait=2
MinJobAge=3600
Waittime=0
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

bringup_started=$SECONDS
# A key of this cluster's own: munged refuses a key readable by others.
if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$work/munge/munge.key"
else
    dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$work/munge/munge.key"
# Each daemon in a session of its own (setsid): a Ctrl-C or a signal to this
# script's process group reaches the script, whose cleanup cancels the jobs
# before it stops the daemons, and not the daemons first.
# munged runs as root here (it warns); --force lets it start anyway.
setsid munged --foreground --force --socket="$munge_socket" \
    --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
    --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" \
    >>"$work/log/munged.out" 2>&1 &
pids+=("$!")
wait_for 10 "munged's socket" test -S "$munge_socket"
setsid slurmctld -D >>"$work/log/slurmctld.out" 2>&1 &
ctld_pid=$!
pids+=("$ctld_pid")
setsid slurmd -D >>"$work/log/slurmd.out" 2>&1 &
pids+=("$!")
node_idle() {
    local daemon
    for daemon in "${pids[@]}"; do
        kill -0 "$daemon" 2>/dev/null || fail "a daemon (pid $daemon) exited during start-up"
    done
    [[ "$(sinfo -h -N -n "$node" -o %T 2>/dev/null)" == idle ]]
}
wait_for "$BRINGUP_TIMEOUT" "node $node idle in sinfo" node_idle
echo "slurm.sh: cluster up in $((SECONDS - bringup_started)) s (node $node: ${node_line#* })"

# --- the runs --------------------------------------------------------------
runs=$work/runs
single=$runs/single
export_common="ALL,ROFRSIM=$bin,SCENARIO=$scenario,TRIALS=$TRIALS,SEED=$SEED"

# Submits run-shards.sbatch for OUT=$1 with sbatch options $2...; prints
# the job id.
submit_shards() {
    local out=$1
    shift
    sbatch --parsable --output="$work/log/shards-%A_%a.out" \
        --export="$export_common,OUT=$out${SHARDS_ENV:+,SHARDS=$SHARDS_ENV}" \
        "$@" deploy/slurm/run-shards.sbatch
}
# Submits merge.sbatch for OUT=$1 with sbatch options $2... and waits for
# it to end (polled each second: sbatch --wait polls at 2, 8, then 32 s
# intervals); prints the job id, fails unless it COMPLETED.
merge_job() {
    local out=$1 id
    shift
    id=$(sbatch --parsable --output="$work/log/merge-%j.out" \
        --export="ALL,ROFRSIM=$bin,OUT=$out" "$@" deploy/slurm/merge.sbatch)
    wait_for "$JOB_TIMEOUT" "merge job $id to end" job_ended "$id"
    [[ "$(job_state "$id")" == COMPLETED ]] ||
        fail "merge job $id: $(job_state "$id") ($(scontrol -o show job "$id" | grep -o 'Reason=[^ ]*'))"
    echo "$id"
}
# The state of job or task $1 while scontrol remembers it (MinJobAge).
job_state() {
    scontrol -o show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}
# One line per job or task of $@: state, submit, start and end times.
show_jobs() {
    local j
    for j in "$@"; do
        scontrol -o show job "$j" | tr ' ' '\n' |
            awk -F= -v j="$j" '/^(JobState|SubmitTime|StartTime|EndTime)=/ { if ($1 ~ /Time$/) sub(/^[^T]*T/, "", $2); v[$1] = $2 }
                END { printf "  job %s: %s, submitted %s, started %s, ended %s\n", j, v["JobState"], v["SubmitTime"], v["StartTime"], v["EndTime"] }'
    done
}
job_ended() {
    case $(job_state "$1") in
        PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | "") return 1 ;;
    esac
}
queue_empty() {
    [[ -z "$(squeue -h -a -o %i)" ]]
}

# Every file cmp-identical to the single run's but manifest.json, equal but
# for the keys that depend on the machine and the folder.
same_as_single() {
    local merged=$1 f
    (cd "$single" && find . -type f | sort) > "$work/single.files"
    (cd "$merged" && find . -type f | sort) > "$work/merged.files"
    if ! diff "$work/single.files" "$work/merged.files" >&2; then
        fail "$merged and the single run hold different files (< single, > merged)"
    fi
    while IFS= read -r f; do
        f=${f#./}
        [[ "$f" == manifest.json ]] && continue
        cmp "$single/$f" "$merged/$f" || fail "$f differs from the single run's"
        echo "cmp single/$f ${merged#"$runs"/}/$f: identical"
    done < "$work/single.files"
    python3 - "$single/manifest.json" "$merged/manifest.json" <<'PY' || fail "manifest.json differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for m in (a, b):
    out = m.pop("out")
    m["reproduce"] = m["reproduce"].replace(out, "OUT")
    for k in ("wall_time_seconds", "threads"):
        m.pop(k)
keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
if keys:
    sys.exit("manifest.json: differs in " + ", ".join(keys))
print("manifest.json: equal but for wall_time_seconds, threads, out (and reproduce's --out)")
PY
}

echo "slurm.sh: single run of $TRIALS trials"
t=$SECONDS
timeout "$JOB_TIMEOUT" "$bin" run "$scenario" --trials "$TRIALS" --seed "$SEED" \
    --out "$single" --quiet || fail "the single run failed"
echo "slurm.sh: single run took $((SECONDS - t)) s"

echo "slurm.sh: array of $SHARDS shards, then the merge job"
t=$SECONDS
ok=$runs/sharded
jid=$(submit_shards "$ok" --array=0-$((SHARDS - 1)))
mid=$(merge_job "$ok" --dependency="afterok:$jid" --kill-on-invalid-dep=yes)
echo "slurm.sh: array $jid and merge job $mid took $((SECONDS - t)) s"
show_jobs "${jid}_"{0..3} "$mid"
for ((i = 0; i < SHARDS; i++)); do
    state=$(job_state "${jid}_$i")
    [[ "$state" == COMPLETED ]] || fail "task ${jid}_$i: $state"
done
same_as_single "$ok/merged"

echo "slurm.sh: fault: array again, task 2 cancelled while it runs"
t=$SECONDS
fault=$runs/fault
# All held at submission; task 2 released alone, cancelled once running
# (killed mid-run, it must leave no shard folder), then the others.
jid=$(submit_shards "$fault" --array=0-$((SHARDS - 1)) --hold)
scontrol release "${jid}_2"
task2_running() {
    local state
    state=$(job_state "${jid}_2")
    case $state in
        RUNNING) return 0 ;;
        PENDING | CONFIGURING) return 1 ;;
        *) fail "task ${jid}_2 is $state before it could be cancelled while running" ;;
    esac
}
# Polled often and stopped (SIGSTOP) as soon as it runs: a fast machine
# could otherwise finish the shard before the cancel lands.
for ((n = 0; n < 600; n++)); do
    task2_running && break
    sleep 0.1
done
task2_running || fail "task ${jid}_2 did not start within 60 s"
scontrol suspend "${jid}_2" || fail "cannot suspend task ${jid}_2"
sleep 1
echo "slurm.sh: task ${jid}_2 running (suspended); in $fault: $(ls -A "$fault" 2>/dev/null | tr '\n' ' ')"
scancel "${jid}_2"
task2_ended() {
    local state
    state=$(job_state "${jid}_2")
    [[ "$state" != RUNNING && "$state" != COMPLETING && "$state" != SUSPENDED ]]
}
wait_for 60 "task ${jid}_2 to end" task2_ended
scontrol release "${jid}_0,${jid}_1,${jid}_3"
wait_for "$JOB_TIMEOUT" "array $jid to finish" queue_empty
for i in 0 1 3; do
    state=$(job_state "${jid}_$i")
    [[ "$state" == COMPLETED ]] || fail "task ${jid}_$i: $state"
done
state=$(job_state "${jid}_2")
[[ "$state" == CANCELLED ]] || fail "task ${jid}_2: $state, not CANCELLED"
[[ ! -e "$fault/shard-2" ]] || fail "cancelled task ${jid}_2 left $fault/shard-2"
echo "slurm.sh: tasks 0, 1, 3 COMPLETED, task 2 CANCELLED, no shard-2 folder (in $fault: $(ls -A "$fault" | tr '\n' ' '))"
set +e
timeout "$JOB_TIMEOUT" "$bin" merge "$fault"/shard-* --out "$fault/merged" --quiet \
    2>"$work/merge.err"
rc=$?
set -e
cat "$work/merge.err"
[[ $rc -eq 2 ]] || fail "merge without shard 2 exited $rc, not 2"
grep -qF "$missing" "$work/merge.err" ||
    fail "merge without shard 2 does not say '$missing'"
[[ ! -e "$fault/merged" ]] || fail "the failed merge left $fault/merged"
echo "slurm.sh: merge without shard 2 refused (exit 2, $missing)"

echo "slurm.sh: task 2 resubmitted alone, then the merge job"
# A lone --array=2 counts 1 task: SHARDS says how many the run has.
jid2=$(SHARDS_ENV=$SHARDS submit_shards "$fault" --array=2)
mid=$(merge_job "$fault" --dependency="afterok:$jid2" --kill-on-invalid-dep=yes)
echo "slurm.sh: fault case took $((SECONDS - t)) s"
show_jobs "${jid}_"{0..3} "${jid2}_2" "$mid"
same_as_single "$fault/merged"

echo "slurm.sh: a sweep of 4 combinations as 2 array tasks, then the merge job"
t=$SECONDS
sweep_args=(sweep "$scenario" --vary demand.growth=0.3,0.5 --vary revenue.growth=0.1,0.2
    --trials "$((TRIALS / 10))" --seed "$SEED" --quiet)
timeout "$JOB_TIMEOUT" "$bin" "${sweep_args[@]}" --out "$runs/sweep-single" >/dev/null ||
    fail "the single sweep failed"
sweeps=$runs/sweep
mkdir -p "$sweeps"
# sbatch --wrap runs the line with sh: the words quoted for it.
printf -v sweep_line '%q ' "$bin" "${sweep_args[@]}"
sid=$(sbatch --parsable --array=0-1 --output="$work/log/sweep-%A_%a.out" \
    --wrap "exec ${sweep_line}--shard auto --out $sweeps/shard-\$SLURM_ARRAY_TASK_ID")
printf -v merge_line '%q ' "$bin" merge "$sweeps/shard-0" "$sweeps/shard-1" \
    --out "$sweeps/merged" --quiet
smid=$(sbatch --parsable --output="$work/log/sweep-merge-%j.out" \
    --dependency="afterok:$sid" --kill-on-invalid-dep=yes --wrap "exec $merge_line")
wait_for "$JOB_TIMEOUT" "sweep merge job $smid to end" job_ended "$smid"
show_jobs "${sid}_0" "${sid}_1" "$smid"
[[ "$(job_state "$smid")" == COMPLETED ]] || fail "sweep merge job $smid: $(job_state "$smid")"
cmp "$runs/sweep-single/sweep.csv" "$sweeps/merged/sweep.csv" ||
    fail "the merged sweep.csv differs from the single sweep's"
echo "cmp sweep-single/sweep.csv sweep/merged/sweep.csv: identical"
python3 - "$runs/sweep-single/manifest.json" "$sweeps/merged/manifest.json" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for m in (a, b):
    for k in ("out", "wall_time_seconds"):
        m.pop(k)
keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
if keys:
    sys.exit("manifest.json of the sweep: differs in " + ", ".join(keys))
print("manifest.json of the sweep: equal but for out and wall_time_seconds")
PY
    fail "the merged sweep's manifest.json differs"
echo "slurm.sh: sweep took $((SECONDS - t)) s"
echo "slurm.sh: ok"
