/*
 * Text a contract answers through eth_call: an ERC-20's name() and
 * symbol().  Most answer an ABI string (a head word with the offset of
 * the tail, then its length and bytes, padded to 32); some old tokens
 * (MKR, SAI) answer a bytes32, the text NUL-padded on the right.
 */
#ifndef WAIAAS_ABI_TEXT_H
#define WAIAAS_ABI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define ABI_TEXT_OK	0
#define ABI_TEXT_BAD	(-1)	/* neither an ABI string nor a bytes32 */
#define ABI_TEXT_LONG	(-2)	/* more than maxchars characters */

/*
 * Decode the answer d (len bytes) into out (outsz bytes) as UTF-8 with
 * no control characters: a byte that is not part of a valid UTF-8
 * sequence, or a control character, becomes '?'; NULs on the right are
 * dropped.  At most maxchars characters, and the text must fit outsz
 * (maxchars * 4 + 1 always does).  out is "" unless ABI_TEXT_OK.
 */
int	abi_text_decode(const uint8_t *d, size_t len, char *out, size_t outsz,
	    size_t maxchars);

#endif
