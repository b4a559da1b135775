/** The `Authorization` header of Ably's REST API for an API key `appId.keyId:keySecret`. */
export function basicAuthorization(key: string): string {
  return `Basic ${Buffer.from(key, 'utf8').toString('base64')}`;
}
