// The reference's error table as C: code, HTTP status, retryable, for
// tests/unit/test_errcodes.c.  @waiaas/core is not a dependency of this
// project (nor of its tests); make the header from a copy of it:
//	cd /tmp && npm pack @waiaas/core@2.12.0 && tar xzf waiaas-core-2.12.0.tgz
//	node tests/vectors/error_codes.js /tmp/package > tests/vectors/error_codes.h
'use strict';
const path = require('path');

const dir = process.argv[2];
if (!dir) {
	console.error('usage: node error_codes.js <unpacked @waiaas/core>');
	process.exit(2);
}
const pkg = require(path.resolve(dir, 'package.json'));
const file = path.resolve(dir, 'dist/errors/error-codes.js');
import(file).then((m) => {
	const t = m.ERROR_CODES;
	const lines = [];
	for (const k of Object.keys(t).sort()) {
		const e = t[k];
		if (e.code !== k || !Number.isInteger(e.httpStatus) ||
		    typeof e.retryable !== 'boolean' || !/^[A-Z0-9_]+$/.test(k))
			throw new Error('unexpected entry ' + k);
		lines.push(`\t{ "${k}", ${e.httpStatus}, ${e.retryable ? 1 : 0} },`);
	}
	process.stdout.write(
	    `/* From ${pkg.name} ` +
	    `${pkg.version} by tests/vectors/error_codes.js: do not edit */\n` +
	    'static const struct { const char *code; int status, retryable; }\n' +
	    'ref_errors[] = {\n' + lines.join('\n') + '\n};\n');
});
