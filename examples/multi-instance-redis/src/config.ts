/** The demo's Ably key: the sender signs with it and the receivers verify with it. Not a real key. */
export const DEMO_KEY = 'demoApp.demoKey:demo-secret-not-for-production';
