/**
 * A parsed JSON object the tests reach into by path (a resource's `lifecycle.prevent_destroy`, a summary's
 * `registered`, a state file's attributes): the assertions are what check its shape, so it is not declared twice.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loose type for JSON the tests probe
export type JsonObject = Record<string, any>;
