package access_test

import "testing"

func TestAgentKeyIsIngestOnly(t *testing.T) {
	e := newEnv(t)
	e.want(e.do(nil, "POST", queryPath(e.a), query, e.agentKey(e.a)), 403, "agent key queries")
	e.want(e.do(nil, "PUT", rulesPath(e.a)+"/r1", rule, e.agentKey(e.a)), 403, "agent key puts a DCR")
	e.want(e.do(nil, "DELETE", rulesPath(e.a)+"/r1", nil, e.agentKey(e.a)), 403, "agent key deletes a DCR")
	e.want(e.do(nil, "GET", "/v1/users", nil, e.agentKey(e.a)), 403, "agent key lists users")
	e.want(e.do(nil, "GET", rulesPath(e.a), nil, e.agentKey(e.a)), 200, "agent key reads its DCRs")
	e.want(e.do(nil, "GET", rulesPath(e.b), nil, e.agentKey(e.a)), 403, "agent key reads another workspace's DCRs")
	e.want(e.do(nil, "POST", queryPath(e.b), query, e.agentKey(e.a)), 403, "agent key queries another workspace")
	if got := e.metric(`wsec_access_refusals_total{reason="agent_key_not_allowed"}`); got != 5 {
		t.Errorf("agent_key_not_allowed refusals = %v, want 5", got)
	}
	if got := e.metric(`wsec_access_refusals_total{reason="agent_key_refused"}`); got != 1 {
		t.Errorf("agent_key_refused refusals = %v, want 1 (the other workspace's DCRs)", got)
	}
}
