-- A ticket's timeline and what its postmortem draft needs of it.
-- KEYS: 1..TICKET_KEYS the ticket keys (lib/ticket.lua)
-- ARGV: 1 id
-- Returns {its events (lib/ticket.lua), the start of its current opening,
-- its row (with its ack and reopen count, ticket_rows)}, or {} when there
-- is no such ticket.
--! include rows
--! include ticket
local T, id = ticket_keys(1), ARGV[1]
local row = ticket_rows(T, {id})[1]
if not row then return {} end
return {redis.call('HGET', T.timeline, id) or '', tostring(ticket_since(T, id, row)), row}
