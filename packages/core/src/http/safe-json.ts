function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/**
 * Could the text hold a `__proto__` key? Either written plainly, or with any of its characters
 * escaped (`"\u005f_proto__"`): then any `\u` escape counts.
 */
function mayHoldProtoKey(text: string): boolean {
  return text.includes('__proto__') || text.includes('\\u');
}

/**
 * JSON.parse that never yields an own `__proto__` key (prototype-pollution guard for code that
 * later merges parsed objects). The reviver, which slows parsing, runs only when the text may
 * hold that key at all.
 */
export function parseJson(text: string): unknown {
  return mayHoldProtoKey(text) ? JSON.parse(text, dropProto) : JSON.parse(text);
}
