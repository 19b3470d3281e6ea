#!/usr/bin/env bash
# Runs a real Asterisk 22 (Debian unstable, in a debootstrap chroot) on a free
# loopback port for Hotline's tests.
#
#   asterisk.sh install   build the chroot unless it already holds Asterisk
#   asterisk.sh start     install if needed, write configs, start, wait for ARI
#   asterisk.sh stop      stop the Asterisk this script started (by its PID)
#   asterisk.sh status    exit 0 if it runs
#   asterisk.sh env       print the HOTLINE_ASTERISK_* exports for the tests
#
# Typical use:
#   testdata/asterisk/asterisk.sh start && eval "$(testdata/asterisk/asterisk.sh env)"
#
# HOTLINE_ASTERISK_ROOT picks the chroot (default /var/cache/hotline/asterisk-sid);
# reusing it makes the next start take seconds. Needs root (debootstrap, chroot).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${HOTLINE_ASTERISK_ROOT:-/var/cache/hotline/asterisk-sid}"
STATE="$ROOT/.hotline"
PIDFILE="$STATE/asterisk.pid"
ENVFILE="$STATE/env"
CONSOLE="$STATE/console.log"
USERNAME=hotline
PACKAGES=asterisk,asterisk-modules,asterisk-config,asterisk-core-sounds-en-gsm

say() { echo "asterisk.sh: $*" >&2; }

running() {
	[[ -f "$PIDFILE" ]] || return 1
	local pid
	pid="$(cat "$PIDFILE")"
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

install() {
	if [[ -x "$ROOT/usr/sbin/asterisk" ]]; then
		return 0
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		apt-get install -y debootstrap >/dev/null || { apt-get update >/dev/null && apt-get install -y debootstrap >/dev/null; }
	fi
	local tmp="$ROOT.partial"
	rm -rf "$tmp"
	mkdir -p "$(dirname "$ROOT")"
	say "debootstrap of Debian unstable with Asterisk into $ROOT (about a minute)"
	debootstrap --variant=minbase --include="$PACKAGES" sid "$tmp" >"$tmp.log" 2>&1 || {
		tail -n 30 "$tmp.log" >&2
		say "debootstrap failed; full log in $tmp.log"
		return 1
	}
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT"
	rm -f "$tmp.log"
}

# free_port [t|u]: a loopback TCP (default) or UDP port nothing listens on,
# outside Asterisk's RTP range (10000-20000).
free_port() {
	local port proto="${1:-t}"
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if [[ -z "$(ss -Hl"$proto"n "sport = :$port" 2>/dev/null)" ]]; then
			echo "$port"
			return 0
		fi
	done
	say "no free port found"
	return 1
}

# write_configs PORT PASSWORD SIPPORT AGENT1 AGENT2 AGENT3 OFFLINE
write_configs() {
	local port="$1" password="$2" f
	for f in "$HERE"/*.conf; do
		sed -e "s/@PORT@/$port/g" -e "s/@USERNAME@/$USERNAME/g" -e "s/@PASSWORD@/$password/g" \
			-e "s/@SIPPORT@/$3/g" -e "s/@AGENT1PORT@/$4/g" -e "s/@AGENT2PORT@/$5/g" -e "s/@AGENT3PORT@/$6/g" \
			-e "s/@OFFLINEPORT@/$7/g" "$f" >"$ROOT/etc/asterisk/$(basename "$f")"
	done
}

start() {
	if running; then
		say "already running (pid $(cat "$PIDFILE"))"
		return 0
	fi
	install
	# A port found free may be taken by another program before Asterisk
	# binds it: then it starts again on other ports.
	local try rc
	for try in 1 2 3; do
		rc=0
		start_once || rc=$?
		((rc == 2)) || return "$rc"
		say "a port was taken before Asterisk bound it (try $try of 3); starting again on other ports"
	done
	return 1
}

# start_once starts Asterisk on ports free a moment before; it returns 2
# when one was taken by the time Asterisk bound it.
start_once() {
	mkdir -p "$STATE" "$ROOT/run/asterisk" "$ROOT/var/spool/asterisk/recording" "$ROOT/var/log/asterisk"
	rm -f "$ROOT/run/asterisk/asterisk.ctl" "$ENVFILE"
	local port password url sip agents=() i
	port="$(free_port)"
	password="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	url="http://127.0.0.1:$port/ari"
	sip="$(free_port u)"
	# SIP agent phones (SIPp) answer on these; the last stays offline.
	for i in 1 2 3 4; do agents+=("$(free_port u)"); done
	write_configs "$port" "$password" "$sip" "${agents[@]}"

	nohup chroot "$ROOT" /usr/sbin/asterisk -f -n </dev/null >"$CONSOLE" 2>&1 &
	local pid=$!
	echo "$pid" >"$PIDFILE"

	local deadline=$((SECONDS + 60))
	until curl -fsS -o /dev/null -u "$USERNAME:$password" "$url/asterisk/ping" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			say "Asterisk exited during start-up; its output:"
			tail -n 50 "$CONSOLE" >&2
			rm -f "$PIDFILE"
			return 1
		fi
		if grep -q "Address already in use" "$CONSOLE" 2>/dev/null; then
			grep "Address already in use" "$CONSOLE" >&2
			stop
			return 2
		fi
		if ((SECONDS >= deadline)); then
			say "ARI did not answer within 60 s; Asterisk's output:"
			tail -n 50 "$CONSOLE" >&2
			tail -n 50 "$ROOT/var/log/asterisk/messages" >&2 2>/dev/null || true
			stop
			return 1
		fi
		sleep 0.5
	done
	cat >"$ENVFILE" <<ENV
HOTLINE_ASTERISK_URL=$url
HOTLINE_ASTERISK_USERNAME=$USERNAME
HOTLINE_ASTERISK_PASSWORD=$password
HOTLINE_ASTERISK_ROOT=$ROOT
HOTLINE_ASTERISK_SIP=127.0.0.1:$sip
HOTLINE_ASTERISK_SIP_AGENTS=sip-agent1=${agents[0]},sip-agent2=${agents[1]},sip-agent3=${agents[2]}
ENV
	say "Asterisk up (pid $pid), ARI at $url"
}

# wait_gone PID N: wait up to N steps of 0.2 s for PID to exit.
wait_gone() {
	local pid="$1" steps="$2"
	for _ in $(seq 1 "$steps"); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	! kill -0 "$pid" 2>/dev/null
}

stop() {
	if ! running; then
		rm -f "$PIDFILE" "$ENVFILE"
		return 0
	fi
	local pid
	pid="$(cat "$PIDFILE")"
	# Asterisk's own "core stop now" is quickest; TERM, then KILL, if it hangs.
	timeout 5 chroot "$ROOT" /usr/sbin/asterisk -rx 'core stop now' >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" 25 || kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 15; then
		say "Asterisk (pid $pid) did not stop; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" 10 || true
	fi
	rm -f "$PIDFILE" "$ENVFILE"
}

env_exports() {
	if ! running || [[ ! -f "$ENVFILE" ]]; then
		say "not running; run: $0 start"
		return 1
	fi
	sed -e 's/^/export /' "$ENVFILE"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status)
	if running; then echo "running (pid $(cat "$PIDFILE"))"; else echo "stopped"; exit 1; fi
	;;
env) env_exports ;;
*)
	echo "usage: $0 {install|start|stop|status|env}" >&2
	exit 2
	;;
esac
