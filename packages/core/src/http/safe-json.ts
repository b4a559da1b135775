const FORBIDDEN = '"__proto__"';

function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/**
 * JSON.parse that never yields an own `__proto__` key (prototype-pollution guard for code that
 * later merges parsed objects). The reviver, which slows parsing, runs only when the text holds
 * that key at all.
 */
export function parseJson(text: string): unknown {
  return text.includes(FORBIDDEN) ? JSON.parse(text, dropProto) : JSON.parse(text);
}
