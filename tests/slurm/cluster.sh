#!/usr/bin/env bash
# Start (or stop) a single-node Slurm cluster on 127.0.0.1 for textmill's tests.
#
#   tests/slurm/cluster.sh start DIR   installs Slurm and munge from Debian if missing
#                                      (needs root), writes DIR/slurm.conf, starts
#                                      munged, slurmctld -D and slurmd -D in the
#                                      background, waits until the node is idle, and
#                                      prints `export SLURM_CONF=DIR/slurm.conf`.
#   tests/slurm/cluster.sh stop DIR    stops the daemons it started, by their PIDs.
#
# Settings follow what works as root without systemd: proctrack/linuxproc,
# task/none, no accounting.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

stop() {
    for name in slurmd slurmctld munged; do
        if [ -f "$dir/$name.pid" ]; then
            pid=$(cat "$dir/$name.pid")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "Slurm is not installed and this is not root: install slurmctld slurmd slurm-client munge" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
cat > "$dir/slurm.conf" <<CONF
ClusterName=textmill-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.slurm-pid
SlurmdPidFile=$dir/slurmd.slurm-pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

# munge: a key of its own, a socket of its own, run as root (--force).
key="$dir/munge/munge.key"
[ -f "$key" ] || { dd if=/dev/urandom of="$key" bs=1 count=1024 status=none; chmod 400 "$key"; }
munged --force --key-file="$key" --socket="$dir/munge/socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
for _ in $(seq 50); do [ -s "$dir/munge/munged.pid" ] && break; sleep 0.1; done
cp "$dir/munge/munged.pid" "$dir/munged.pid"
# Slurm's munge plugin finds the socket through the environment of each daemon and client.
cat >> "$dir/slurm.conf" <<CONF
AuthInfo=socket=$dir/munge/socket
CONF

slurmctld -D -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 &
echo $! > "$dir/slurmctld.pid"
slurmd -D -f "$dir/slurm.conf" >"$dir/log/slurmd.out" 2>&1 &
echo $! > "$dir/slurmd.pid"

for _ in $(seq 300); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
        echo "export SLURM_CONF=$dir/slurm.conf"
        exit 0
    fi
    sleep 0.2
done
echo "the Slurm node did not become idle; logs:" >&2
tail -n 20 "$dir/log/"* >&2 || true
stop
exit 1
