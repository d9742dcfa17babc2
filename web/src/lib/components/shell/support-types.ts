// The feedback and support answers that the shell's pages use, named from the generated schema (#lib/api).
import type { Answer } from '#lib/api/index.ts';

export type FeedbackEntry = Answer<'/api/feedback', 'get'>['feedback'][number];
export type UserRef = FeedbackEntry['user'];

export type Ticket = Answer<'/api/support-tickets/{id}', 'get'>;
export type TicketStatus = Ticket['status'];
export type Diagnostics = Ticket['diagnostics'];
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];
export const ticketStatusLabel = (status: string) => (status === 'in_progress' ? 'in progress' : status);
