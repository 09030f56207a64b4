/**
 * Every target group of the stack is created before the one it replaces is destroyed, and (recorded in the state)
 * destroyed only after the listener that forwarded to it has moved: when a route switches mode, its listener is
 * updated to the new group first, so it is never left forwarding to an empty or deleted one. A replacement under
 * the same name (a changed `albPort` or VPC) then fails at its creation, DuplicateTargetGroupName, before
 * anything is destroyed: the README's "Switching a route's mode" says how to make that change.
 */
export const TARGET_GROUP_LIFECYCLE = { createBeforeDestroy: true } as const;
