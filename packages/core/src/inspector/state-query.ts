import type { StateQuery } from './state.js';

/**
 * The query of `GET <mount>/inspector/state`: `q`, `page` (channels), `channel`, `mq`, `mpage` (its
 * members), `upage` (its users), `user` (one user). A page number that is not a non-negative safe integer is 0. Pure.
 */
export function stateQuery(params: URLSearchParams): StateQuery {
  const number = (name: string) => {
    const n = Number(params.get(name) ?? '0');
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  };
  const query: StateQuery = {
    q: params.get('q') ?? '',
    page: number('page'),
    memberQ: params.get('mq') ?? '',
    memberPage: number('mpage'),
    userPage: number('upage'),
  };
  const channel = params.get('channel');
  if (channel !== null) query.channel = channel;
  const user = params.get('user');
  if (user !== null) query.user = user;
  return query;
}
