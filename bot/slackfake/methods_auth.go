package slackfake

func (s *Server) apiTest(q *apiReq) (map[string]any, *apiErr) {
	args := map[string]any{}
	for k, v := range q.args {
		args[k] = v
	}
	if e := q.str("error"); e != "" {
		return nil, &apiErr{code: e, extra: map[string]any{"args": args}}
	}
	return map[string]any{"args": args}, nil
}

func (s *Server) authTest(_ *apiReq) (map[string]any, *apiErr) {
	return map[string]any{
		"url": "https://" + s.opts.TeamDomain + ".slack.com/", "team": s.opts.TeamName,
		"user": s.opts.BotName, "team_id": s.teamID, "user_id": s.botUserID, "bot_id": s.botID,
		"is_enterprise_install": false,
	}, nil
}

// appsConnectionsOpen hands out a one-time WebSocket URL. (Refusals are
// answered earlier, in handleAPI, because they are HTTP errors.)
func (s *Server) appsConnectionsOpen(_ *apiReq) (map[string]any, *apiErr) {
	ticket := randHex(32)
	s.sock.tickets[ticket] = true
	url := "ws" + s.base[len("http"):] + "/link/?ticket=" + ticket + "&app_id=" + s.appID
	return map[string]any{"url": url}, nil
}
