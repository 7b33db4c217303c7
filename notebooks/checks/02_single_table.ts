// The check behind 02_single_table.ipynb's checkpoint: writes a small help-desk data set with the design's
// keys and asks the three questions. Everything it writes lives under TICKET#chk-* / CUSTOMER#chk-* keys.
import type { WorkshopClients } from '../workshop/client';
import { batchDeleteAll, batchWriteAll } from '../workshop/batch';
import { describeCheckError, queryInputProblems } from '../workshop/exercises';
import { queryAll } from '../workshop/reads';
import type { TicketDesign, Ticket, Comment } from '../solutions/02_single_table';

const tickets: Ticket[] = [
  { ticketId: 'chk-t1', customerId: 'chk-c1', created: '20250901T0900', subject: 'login fails' },
  { ticketId: 'chk-t2', customerId: 'chk-c1', created: '20250903T1000', subject: 'invoice wrong' },
  { ticketId: 'chk-t3', customerId: 'chk-c2', created: '20250902T1100', subject: 'slow page' },
];
const comments: Comment[] = [
  { ticketId: 'chk-t1', commentId: 'm1', created: '20250901T0910', text: 'tried reset' },
  { ticketId: 'chk-t1', commentId: 'm2', created: '20250901T0930', text: 'still failing' },
  { ticketId: 'chk-t1', commentId: 'm3', created: '20250901T1000', text: 'fixed' },
  { ticketId: 'chk-t2', commentId: 'm4', created: '20250903T1005', text: 'which invoice?' },
];

export async function checkTicketDesign(clients: WorkshopClients, tableName: string, d: TicketDesign): Promise<string[]> {
  const problems: string[] = [];
  const items: Record<string, unknown>[] = [
    ...tickets.map((t) => ({ ...d.ticketKeys(t), type: 'TICKET', id: t.ticketId, subject: t.subject })),
    ...comments.map((c) => ({ ...d.commentKeys(c), type: 'COMMENT', id: c.commentId, text: c.text })),
  ];
  for (const it of items) {
    if (typeof it.PK !== 'string' || typeof it.SK !== 'string')
      return [`every item needs string PK and SK (got ${JSON.stringify(it)})`];
  }
  await batchWriteAll(clients.doc, tableName, items);
  try {
    return await askQuestions(clients, tableName, d, problems);
  } finally {
    // Leave the table as it was, so the notebook's other numbers repeat on every run.
    await batchDeleteAll(
      clients.doc,
      tableName,
      items.map((i) => ({ PK: i.PK, SK: i.SK })),
    );
  }
}

async function askQuestions(clients: WorkshopClients, tableName: string, d: TicketDesign, problems: string[]): Promise<string[]> {
  // Each question is asked on its own: a malformed answer to one is one problem (undefined: nothing to compare),
  // and the other questions still run.
  const ids = async (question: string, input: ReturnType<TicketDesign['ticketWithComments']>): Promise<string[] | undefined> => {
    const shape = queryInputProblems(input);
    if (shape.length > 0) {
      problems.push(...shape.map((p) => `${question}: ${p}`));
      return undefined;
    }
    if (!input.KeyConditionExpression) {
      problems.push(`${question}: each answer must be a Query with a KeyConditionExpression, not a Scan`);
      return undefined;
    }
    try {
      const found = (await queryAll(clients.doc, input)).items.map((i) => i.id as string);
      if (input.FilterExpression) problems.push(`${question}: no FilterExpression please, shape the keys instead`);
      return found;
    } catch (err) {
      problems.push(`${question}: ${describeCheckError(err)}`);
      return undefined;
    }
  };
  const q1 = await ids('Q1', d.ticketWithComments(tableName, 'chk-t1'));
  if (q1 && JSON.stringify([...q1].sort()) !== JSON.stringify(['chk-t1', 'm1', 'm2', 'm3']))
    problems.push(`Q1 (ticket chk-t1 + comments) returned ${JSON.stringify(q1)}`);
  const q2 = await ids('Q2', d.customerTickets(tableName, 'chk-c1'));
  if (q2 && JSON.stringify(q2) !== JSON.stringify(['chk-t2', 'chk-t1']))
    problems.push(`Q2 (customer chk-c1's tickets, newest first) returned ${JSON.stringify(q2)}`);
  const q3input = d.latestComment(tableName, 'chk-t1');
  const q3 = (await ids('Q3', q3input))?.slice(0, q3input.Limit ?? Infinity);
  if (q3 && JSON.stringify(q3) !== JSON.stringify(['m3']))
    problems.push(`Q3 (latest comment of chk-t1) returned ${JSON.stringify(q3)}`);
  return problems;
}
