// Placeholder so the scaffold bundles; the sync-function work replaces it.
export const handler = async (): Promise<void> => {
  throw new Error('not implemented');
};
