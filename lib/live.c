/*
** live.c: publishing live updates to nginx's nchan. See live.h.
*/
#include "live.h"

#include <curl/curl.h>
#include <stdio.h>

#include "notify.h"

#define LIVE_TIMEOUT_MS 500
#define LIVE_BATCH 256

/* nchan answers with the channel's state; it is not needed. */
static size_t discard(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

int live_publish(const struct config *cfg, long long account_id, int unread)
{
	if (!cfg->live_url[0])
		return 0;
	CURL *curl = curl_easy_init();
	if (!curl)
		return -1;
	char url[400], body[64];
	snprintf(url, sizeof url, "%s/%lld", cfg->live_url, account_id);
	snprintf(body, sizeof body, "{\"unread\": %d}", unread);
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (cfg->live_socket[0])
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, cfg->live_socket);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)LIVE_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK || status >= 300) {
		fprintf(stderr, "carrel: live update for account %lld not published: %s\n",
			account_id, rc != CURLE_OK ? curl_easy_strerror(rc) : "nchan refused it");
		return -1;
	}
	return 0;
}

int live_publish_touched(const struct config *cfg, struct db *db)
{
	long long ids[LIVE_BATCH];
	size_t n = notify_take_touched(ids, LIVE_BATCH);
	if (!cfg->live_url[0])
		return 0;
	int published = 0;
	for (size_t i = 0; i < n; i++) {
		/* One failure says nchan is not there: the rest would only fail
		** (and fill the log) too. */
		if (live_publish(cfg, ids[i], notify_unread(db, ids[i])))
			break;
		published++;
	}
	return published;
}
