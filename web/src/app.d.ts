// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Locals {
      requestId: string;
      /** The API access token of the signed-in user, if any. */
      accessToken: string | undefined;
    }
    interface Error {
      message: string;
      code?: string;
      requestId?: string;
    }
  }
}

export {};
