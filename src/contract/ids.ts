import { Type } from '@sinclair/typebox';
import { ID_BODY, ID_PREFIXES, type IdPrefix } from '../domain/ids.js';

/** The pattern of an id of one or several prefixes, from the alphabet `newId` writes with. */
export const idPattern = (...prefixes: IdPrefix[]): string =>
  `^${prefixes.length === 1 ? prefixes[0] : `(${prefixes.join('|')})`}_${ID_BODY}$`;

/** An id in a request: `Id('lic', 'License id')`; with no prefix, an id of anything the service makes. */
export const Id = (prefix: IdPrefix | IdPrefix[], description?: string) =>
  Type.String({
    pattern: idPattern(...(Array.isArray(prefix) ? prefix : [prefix])),
    ...(description === undefined ? {} : { description }),
  });

/** An id of any entity the service makes (the audit log's entity ids). */
export const AnyId = (description?: string) => Id([...ID_PREFIXES], description);
