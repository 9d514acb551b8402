#!/usr/bin/env bash
# Starts a ClickHouse cluster of N shards (one server each) on loopback, each
# with its own config, ports and data directory under DIR, and a
# remote_servers entry "wsec" naming every shard, so a Distributed table
# spans them. Prints the HTTP URL of the first server and the cluster name.
#
#   scripts/clickhouse-cluster.sh start DIR [SHARDS] [BASEPORT]
#   scripts/clickhouse-cluster.sh stop DIR
#
# Server i (0-based) listens on BASEPORT+10*i (HTTP), +1 (native TCP),
# +2 (interserver). Used by .ci/run and by the ClickHouse store tests
# (internal/store/clickhouse, through WSEC_CLICKHOUSE_URL or by running it).
set -euo pipefail

cmd=${1:?usage: $0 start|stop DIR [SHARDS] [BASEPORT]}
dir=${2:?usage: $0 start|stop DIR [SHARDS] [BASEPORT]}
shards=${3:-2}
base=${4:-18123}

server=$(command -v clickhouse-server || command -v clickhouse || true)

# alive PID: the process runs (a killed server that its parent, init, has
# not reaped yet is a zombie: kill -0 still succeeds on it).
alive() {
	kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

stop() {
	for pidfile in "$dir"/s*/pid; do
		[ -f "$pidfile" ] || continue
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			alive "$pid" || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$pidfile"
	done
}

case "$cmd" in
stop)
	stop
	exit 0
	;;
start) ;;
*)
	echo "unknown command $cmd: want start or stop" >&2
	exit 2
	;;
esac

if [ -z "$server" ]; then
	echo "clickhouse-server not installed (Debian package clickhouse-server)" >&2
	exit 3
fi

mkdir -p "$dir"
replicas=""
for i in $(seq 0 $((shards - 1))); do
	replicas+="<shard><replica><host>127.0.0.1</host><port>$((base + 10 * i + 1))</port></replica></shard>"
done

for i in $(seq 0 $((shards - 1))); do
	s="$dir/s$i"
	mkdir -p "$s/data" "$s/tmp" "$s/user_files" "$s/format_schemas" "$s/log"
	http=$((base + 10 * i))
	cat >"$s/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$s/log/server.log</log><errorlog>$s/log/error.log</errorlog><size>10M</size><count>2</count></logger>
  <http_port>$http</http_port>
  <tcp_port>$((http + 1))</tcp_port>
  <interserver_http_port>$((http + 2))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>134217728</uncompressed_cache_size>
  <mark_cache_size>134217728</mark_cache_size>
  <path>$s/data/</path>
  <tmp_path>$s/tmp/</tmp_path>
  <user_files_path>$s/user_files/</user_files_path>
  <format_schema_path>$s/format_schemas/</format_schema_path>
  <users_config>$s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers><wsec>$replicas</wsec></remote_servers>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
	cat >"$s/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_bytes_before_external_group_by>800000000</max_bytes_before_external_group_by><max_bytes_before_external_sort>800000000</max_bytes_before_external_sort><distributed_aggregation_memory_efficient>1</distributed_aggregation_memory_efficient><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
	if [ -f "$s/pid" ] && alive "$(cat "$s/pid")"; then
		continue
	fi
	(cd "$s" && exec "$server" --config-file="$s/config.xml" >"$s/log/stdout.log" 2>&1) &
	echo $! >"$s/pid"
done

for i in $(seq 0 $((shards - 1))); do
	url="http://127.0.0.1:$((base + 10 * i))/"
	ok=""
	for _ in $(seq 1 600); do
		if [ "$(curl -fsS "$url?query=SELECT%201" 2>/dev/null)" = "1" ]; then
			ok=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$ok" ]; then
		echo "clickhouse server $i did not answer on $url within 60 s; its log:" >&2
		tail -n 20 "$dir/s$i/log/stdout.log" "$dir/s$i/log/error.log" >&2 || true
		stop
		exit 1
	fi
done
echo "http://127.0.0.1:$base/ wsec"
