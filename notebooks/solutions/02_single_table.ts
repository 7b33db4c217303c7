// Reference answer for 02_single_table.ipynb's checkpoint: a help-desk app in the same table. Try your own first!
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export interface Ticket {
  ticketId: string;
  customerId: string;
  created: string;
  subject: string;
}
export interface Comment {
  ticketId: string;
  commentId: string;
  created: string;
  text: string;
}

export interface TicketDesign {
  /** Key attributes (PK, SK and any GSI1PK/GSI1SK) of a ticket item. */
  ticketKeys(t: Ticket): Record<string, string>;
  /** Key attributes of a comment item. */
  commentKeys(c: Comment): Record<string, string>;
  /** Q1: a ticket and all its comments, in one Query. */
  ticketWithComments(tableName: string, ticketId: string): QueryCommandInput;
  /** Q2: a customer's tickets, newest first. */
  customerTickets(tableName: string, customerId: string): QueryCommandInput;
  /** Q3: the latest comment of a ticket. */
  latestComment(tableName: string, ticketId: string): QueryCommandInput;
}

export const ticketDesign: TicketDesign = {
  // The ticket and its comments share PK=TICKET#<id> (an item collection). The ticket also carries the
  // overloaded GSI1 keys CUSTOMER#<id> / <created>#<ticketId>, so GSI1 answers "a customer's tickets".
  ticketKeys: (t) => ({
    PK: `TICKET#${t.ticketId}`,
    SK: `TICKET#${t.ticketId}`,
    GSI1PK: `CUSTOMER#${t.customerId}`,
    GSI1SK: `${t.created}#${t.ticketId}`,
  }),
  commentKeys: (c) => ({ PK: `TICKET#${c.ticketId}`, SK: `COMMENT#${c.created}#${c.commentId}` }),
  ticketWithComments: (tableName, ticketId) => ({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}` },
  }),
  customerTickets: (tableName, customerId) => ({
    TableName: tableName,
    IndexName: 'GSI1_Status',
    KeyConditionExpression: 'GSI1PK = :c',
    ExpressionAttributeValues: { ':c': `CUSTOMER#${customerId}` },
    ScanIndexForward: false,
  }),
  latestComment: (tableName, ticketId) => ({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :c)',
    ExpressionAttributeValues: { ':pk': `TICKET#${ticketId}`, ':c': 'COMMENT#' },
    ScanIndexForward: false,
    Limit: 1,
  }),
};
