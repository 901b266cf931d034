import {
	ARCHIVE_PATH,
	VARIANT_CODINGS,
	VARIANT_PATH,
} from "../../shared/domain/compressed-variants.ts";

/**
 * The viewer-request function of the Atom, JSON Feed and OPML behaviours, in CloudFront's
 * JavaScript runtime 2.0: a current document's URI becomes that of its compressed copy
 * (`/feeds/en/latest.atom` → `/feeds/en/latest.atom.br`) when the viewer's `Accept-Encoding`
 * takes the copy's coding, by q-values as the local edge reads them (RFC 9110 §12.5.3): the
 * acceptable coding of highest q, the list's first on a tie, none when both are refused
 * (`q=0`) or `identity` is preferred. The paths and codings are compressed-variants.ts's, so
 * the edge rewrites to exactly the copies the publisher writes.
 */
export const FEED_ENCODING_CODE = `var VARIANT_PATH = new RegExp(${JSON.stringify(VARIANT_PATH.source)});
var ARCHIVE_PATH = new RegExp(${JSON.stringify(ARCHIVE_PATH.source)});
var CODINGS = ${JSON.stringify(VARIANT_CODINGS)};

function qualities(header) {
  var q = {};
  var parts = header.split(',');
  for (var i = 0; i < parts.length; i++) {
    var params = parts[i].split(';');
    var name = params[0].trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    var value = 1;
    for (var j = 1; j < params.length; j++) {
      var pair = params[j].split('=');
      if (pair[0].trim().toLowerCase() === 'q') {
        var n = Number((pair[1] || '').trim());
        value = isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    q[name] = value;
  }
  return q;
}

function qualityOf(q, name) {
  if (Object.prototype.hasOwnProperty.call(q, name)) return q[name];
  return Object.prototype.hasOwnProperty.call(q, '*') ? q['*'] : 0;
}

function handler(event) {
  var request = event.request;
  var header = request.headers['accept-encoding'];
  if (!header || !VARIANT_PATH.test(request.uri) || ARCHIVE_PATH.test(request.uri)) return request;
  var values = header.multiValue
    ? header.multiValue.map(function (entry) { return entry.value; })
    : [header.value];
  var q = qualities(values.join(','));
  var best;
  var bestQ = 0;
  for (var i = 0; i < CODINGS.length; i++) {
    var value = qualityOf(q, CODINGS[i].coding);
    if (value > bestQ) {
      best = CODINGS[i];
      bestQ = value;
    }
  }
  var identity = Object.prototype.hasOwnProperty.call(q, 'identity') ? q.identity : undefined;
  if (best && !(identity !== undefined && identity > bestQ)) request.uri = request.uri + best.suffix;
  return request;
}`;
