/*
** testprovider.c: the built-in test payment provider. See testprovider.h.
*/
#include "testprovider.h"

#include <sodium.h>
#include <string.h>

const char *testprovider_message(struct arena *a, const struct provider_answer *ans)
{
	return arena_printf(a, "carrel-payment-v1\n%s\n%s\n%s\n%s\n%s", ans->reference,
		ans->status, ans->amount_cents, ans->nonce, ans->timestamp);
}

/* Read one hex setting into out (exactly len bytes). */
static int read_key(struct db *db, struct arena *a, const char *key, unsigned char *out,
	size_t len)
{
	sqlite3_stmt *st = db_query(db, "SELECT value FROM setting WHERE key = ?", "t", key);
	if (!db_row(db, st))
		return -1;
	const char *hex = db_text(a, st, 0);
	db_done(st);
	size_t got = 0;
	return sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL) || got != len
		? -1 : 0;
}

/* Make and store a key pair unless one exists. Two workers may race here:
** the first pair written wins. */
static int make_keys(struct db *db)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pk_hex[sizeof pk * 2 + 1], sk_hex[sizeof sk * 2 + 1];
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(pk_hex, sizeof pk_hex, pk, sizeof pk);
	sodium_bin2hex(sk_hex, sizeof sk_hex, sk, sizeof sk);
	sodium_memzero(sk, sizeof sk);
	int rc = -1;
	if (!db_begin(db)) {
		db_exec(db, "INSERT OR IGNORE INTO setting(key, value) VALUES "
			"('payment.test_provider.public_key', ?), "
			"('payment.test_provider.secret_key', ?)", "tt", pk_hex, sk_hex);
		rc = db_commit(db) ? -1 : 0;
		if (rc)
			db_rollback(db);
	}
	sodium_memzero(sk_hex, sizeof sk_hex);
	return rc;
}

/* The public key, made with its secret on first use. */
static int public_key(struct db *db, struct arena *a, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	if (!read_key(db, a, "payment.test_provider.public_key", pk, crypto_sign_PUBLICKEYBYTES))
		return 0;
	return make_keys(db) ? -1
		: read_key(db, a, "payment.test_provider.public_key", pk, crypto_sign_PUBLICKEYBYTES);
}

int testprovider_sign(struct db *db, struct arena *a, time_t now,
	struct provider_answer *ans)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	if (public_key(db, a, pk) ||
	    read_key(db, a, "payment.test_provider.secret_key", sk, sizeof sk))
		return -1;
	unsigned char raw[16], sig[crypto_sign_BYTES];
	char *nonce = arena_alloc(a, sizeof raw * 2 + 1);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(nonce, sizeof raw * 2 + 1, raw, sizeof raw);
	ans->nonce = nonce;
	ans->timestamp = arena_printf(a, "%lld", (long long)now);
	const char *msg = testprovider_message(a, ans);
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), sk);
	sodium_memzero(sk, sizeof sk);
	char *hex = arena_alloc(a, sizeof sig * 2 + 1);
	sodium_bin2hex(hex, sizeof sig * 2 + 1, sig, sizeof sig);
	ans->signature = hex;
	return 0;
}

static bool answer_genuine(struct db *db, struct arena *a, const struct provider_answer *ans)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	size_t sig_len = 0;
	/* No key yet: nothing was ever signed, so nothing is genuine. */
	if (!ans->signature ||
	    read_key(db, a, "payment.test_provider.public_key", pk, sizeof pk))
		return false;
	if (sodium_hex2bin(sig, sizeof sig, ans->signature, strlen(ans->signature), NULL,
		&sig_len, NULL) || sig_len != sizeof sig)
		return false;
	const char *msg = testprovider_message(a, ans);
	return crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk) == 0;
}

/* The provider's own checkout page, on this site. */
static const char *checkout_url(struct db *db, struct arena *a, const struct payment *p)
{
	(void)db;
	return arena_printf(a, "/payments/test-provider/%s", p->reference);
}

const struct payment_provider testprovider = {
	.name = "test",
	.checkout_url = checkout_url,
	.answer_genuine = answer_genuine,
};
