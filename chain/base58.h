/* Bitcoin-alphabet base58, as Solana uses it for keys and signatures. */
#ifndef WAIAAS_BASE58_H
#define WAIAAS_BASE58_H

#include <stddef.h>
#include <stdint.h>

/* Encode len bytes; out must hold len * 138 / 100 + 2.  Returns length. */
size_t	base58_encode(const uint8_t *, size_t, char *, size_t);
/*
 * Decode exactly; returns the byte count, or -1 for a character outside
 * the alphabet, an empty input or a result larger than outlen.
 */
int	base58_decode(const char *, size_t, uint8_t *, size_t);

#endif
