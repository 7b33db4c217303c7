/** A request's JSON, as the SDK serialises it (marshalled) or as lib-dynamodb takes it (plain). */
export type Json = Record<string, unknown>;

/** A marshalled attribute value (`{ S: 'a' }`, `{ N: '1' }`, `{ M: { … } }`, …) and a marshalled item. */
export type AttributeValue = { [type: string]: unknown };
export type MarshalledItem = Record<string, AttributeValue>;
