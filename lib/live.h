/*
** live.h: live updates of the notification count, through nginx's nchan
** module. Each account has a channel; nginx lets only its owner subscribe
** (GET /live/notifications/{id}, an EventSource stream, checked by the
** worker's /live/auth/{id}), and the worker and carrel-cron publish to it
** after they notified someone (notify_take_touched): a POST of
** {"unread": N} to live_url/{id}, which nginx serves only on a unix socket
** (live_socket) or to this machine.
**
** Publishing is best effort: a short timeout, a failure only logged. With
** live_url empty nothing is published, and pages show the count as it was
** when they were made.
*/
#ifndef CARREL_LIVE_H
#define CARREL_LIVE_H

#include "config.h"
#include "db.h"

/* Publish the unread count of every account notified since the last call
** (notify_take_touched), stopping at the first failure. Returns how many
** were published. */
int live_publish_touched(const struct config *cfg, struct db *db);

/* Publish account_id's unread count. Returns 0, or -1 (logged). */
int live_publish(const struct config *cfg, long long account_id, int unread);

#endif
