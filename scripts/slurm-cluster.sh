#!/usr/bin/env bash
# A real one-node Slurm cluster on loopback for the tests and CI (see docs/scale-out.md): one slurmctld and one slurmd,
# as root, without cgroups, state and logs under $SDXL_SLURM_DIR (default /tmp/sdxl-slurm).
#   scripts/slurm-cluster.sh start   # idempotent; waits until sinfo shows the node idle
#   scripts/slurm-cluster.sh stop    # kills the daemons this script started, by pid
#   scripts/slurm-cluster.sh status  # exit 0 when the node answers idle/mixed/allocated
# Needs root and Debian's slurm-wlm + munge (apt-get install -y --no-install-recommends slurm-wlm munge).
set -euo pipefail

dir="${SDXL_SLURM_DIR:-/tmp/sdxl-slurm}"
conf=/etc/slurm/slurm.conf
wait_s="${SDXL_SLURM_WAIT_S:-60}"
node="$(hostname)"

log_tails() {
  for f in "$dir/slurmctld.log" "$dir/slurmd.log" "$dir/munged.log"; do
    [ -f "$f" ] && { echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; }
  done
  return 0
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { sinfo -h -N -n "$node" -o '%t' 2>/dev/null | head -n 1; }

is_up() {
  local s
  s="$(node_state)" || return 1
  case "$s" in idle | mix | alloc | comp) return 0 ;; *) return 1 ;; esac
}

# A slurm.conf this script did not write belongs to a real cluster (a login node, a workstation's own Slurm): never
# overwrite it. SDXL_SLURM_FORCE=1 overrides.
refuse_foreign_conf() {
  if [ -f "$conf" ] && ! head -n 1 "$conf" | grep -q '^# Written by scripts/slurm-cluster.sh' && [ "${SDXL_SLURM_FORCE:-}" != 1 ]; then
    echo "slurm-cluster.sh: $conf exists and was not written by this script (a real cluster's?); not touching it." >&2
    echo "  The test cluster needs its own slurm.conf there. Move that file away, or set SDXL_SLURM_FORCE=1 to overwrite it." >&2
    exit 3
  fi
}

write_conf() {
  refuse_foreign_conf
  local cpus mem
  cpus="$(nproc)"
  # Below what is free now, so that slurmd does not drain the node for having less memory than declared.
  mem="$(free -m | awk '/^Mem:/ { print int($7 * 0.8) }')"
  mkdir -p /etc/slurm
  cat >"$conf" <<CONF
# Written by scripts/slurm-cluster.sh (one-node test cluster; state in $dir).
ClusterName=test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
# Fast scheduling for the tests: a pending job starts within a second or two of resources freeing.
SchedulerParameters=sched_interval=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null >/dev/null 2>&1; then return 0; fi
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  su -s /bin/sh munge -c "/usr/sbin/munged --force" >"$dir/munged.log" 2>&1
}

start() {
  if [ "$(id -u)" != 0 ]; then
    echo "slurm-cluster: start needs root (it writes $conf and runs the daemons as root)" >&2
    exit 1
  fi
  for cmd in slurmctld slurmd munged sinfo; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || {
      echo "slurm-cluster: $cmd not found; apt-get install -y --no-install-recommends slurm-wlm munge" >&2
      exit 1
    }
  done
  if pid_alive "$dir/slurmctld.pid" && pid_alive "$dir/slurmd.pid" && is_up; then
    echo "slurm-cluster: already up ($node $(node_state))"
    return 0
  fi
  mkdir -p "$dir/state" "$dir/spool"
  write_conf
  start_munge
  # setsid: each daemon in its own session, so that a test runner's process group kill does not take it down.
  if ! pid_alive "$dir/slurmctld.pid"; then
    setsid /usr/sbin/slurmctld -D -i >>"$dir/slurmctld.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmctld.pid"
  fi
  if ! pid_alive "$dir/slurmd.pid"; then
    setsid /usr/sbin/slurmd -D >>"$dir/slurmd.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmd.pid"
  fi
  local deadline=$((SECONDS + wait_s))
  while ! is_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "slurm-cluster: the node $node did not become idle within ${wait_s}s (sinfo says: '$(node_state)')" >&2
      log_tails
      exit 1
    fi
    # A node left down/drained by an earlier run (e.g. a reboot) is brought back.
    case "$(node_state)" in down* | drain* | drng*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true ;; esac
    sleep 1
  done
  echo "slurm-cluster: up ($node $(node_state), $(nproc) CPUs; state and logs in $dir)"
}

stop_pid() {
  local f="$1" name="$2"
  if pid_alive "$f"; then
    local pid
    pid="$(cat "$f")"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "slurm-cluster: stopped $name ($pid)"
  fi
  rm -f "$f"
}

stop() {
  stop_pid "$dir/slurmd.pid" slurmd
  stop_pid "$dir/slurmctld.pid" slurmctld
}

status() {
  if pid_alive "$dir/slurmctld.pid" && pid_alive "$dir/slurmd.pid" && is_up; then
    echo "slurm-cluster: up ($node $(node_state))"
    return 0
  fi
  echo "slurm-cluster: down (sinfo: '$(node_state || true)')"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
