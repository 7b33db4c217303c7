/** A DynamoDB item as the DocumentClient gives it: plain JS values. */
export type Item = Record<string, unknown>;
