#!/bin/bash
# Sourced by local-test.sh and fit-local-test.sh: stands up a real single-node
# Slurm (munge, slurmctld, slurmd) on localhost in the private directory $work,
# exports SLURM_CONF, and stops every daemon it started when the calling script
# exits (KEEP=1 keeps $work). Needs root and Debian's slurmctld slurmd
# slurm-client munge packages.
: "${work:?set work to a private directory before sourcing local-cluster.sh}"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# munge with a private key and socket (the socket directory must be 0755).
mkdir -p "$work/munge" "$work/munge-run"
chmod 700 "$work/munge"; chmod 755 "$work/munge-run"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket="$work/munge-run/munge.socket.2"
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$socket" \
  --pid-file="$work/munge-run/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" > "$work/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done

# Slurm: own config, state, spool and logs; cgroup/v1 pinned to an empty private mount point.
mkdir -p "$work/state" "$work/spool" "$work/log" "$work/cgroup"
node=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* /NodeName=localhost /')
cat > "$work/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
CgroupMountpoint=$work/cgroup
CONF
cat > "$work/slurm.conf" <<CONF
ClusterName=shequtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=1; break; fi
  sleep 0.2
done
if [ $ready != 1 ]; then
  echo "Slurm did not come up" >&2
  tail -n 20 "$work/log/"* >&2 || true
  exit 1
fi

