#!/usr/bin/env bash
# The gateway scenarios of issue 16 over a million events each, across
# network namespaces (root, iproute2, haproxy): gateway killed -9 three
# times, gateway-workspace link cut for 60 s, one of two gateways behind
# HAProxy killed, 10 % loss and 200 ms delay on the agent's link, two agents
# shipping the same events through different gateways, proxy mode. Each
# checks the workspace holds every event exactly once.
#
# Where the kernel has no tc netem (sch_netem), the loss is nftables on the
# agent link and the 200 ms (each way) a delaying TCP forwarder in the
# agent namespace (internal/netns Delay); the test log says which.
#
#   sudo scripts/netns-gateway.sh [count] [cut]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
cut=${2:-60s}
WSEC_E2E=1 WSEC_NETNS_COUNT=$count WSEC_NETNS_CUT=$cut \
	go test -run TestGatewayNetns -count=1 -timeout 3h -v ./cmd/wsec-agent
