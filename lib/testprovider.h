/*
** testprovider.h: the built-in test payment provider.
**
** It behaves like a hosted checkout: the member is sent to its page
** (/payments/test-provider/{reference}), approves or declines, and its
** answer goes back to /payments/callback signed with Ed25519 (libsodium).
** The key pair is made on first use and kept in settings; the secret key
** signs (the "provider" side), the public key checks (Carrel's side). No
** money moves. It is the one implementation of struct payment_provider
** today; configuration key payment_provider = test.
*/
#ifndef CARREL_TESTPROVIDER_H
#define CARREL_TESTPROVIDER_H

#include <time.h>

#include "arena.h"
#include "db.h"
#include "payments.h"

extern const struct payment_provider testprovider;

/* The exact bytes that are signed for an answer (arena string). */
const char *testprovider_message(struct arena *a, const struct provider_answer *ans);

/* Sign an answer as the provider: fills nonce, timestamp (now) and
** signature. Returns 0, or -1 when the keys cannot be read or made. */
int testprovider_sign(struct db *db, struct arena *a, time_t now,
	struct provider_answer *ans);

#endif
