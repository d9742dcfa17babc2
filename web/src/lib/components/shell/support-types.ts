// Shapes of the feedback and support API's answers that the shell's pages use.

export interface UserRef {
  id: string;
  /** null once they left the account. */
  email: string | null;
}

export interface FeedbackEntry {
  id: string;
  rating: number;
  text: string | null;
  page: string;
  context: Record<string, unknown> | null;
  user: UserRef;
  createdAt: string;
}

export type TicketStatus = 'open' | 'in_progress' | 'resolved' | 'closed';
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];
export const ticketStatusLabel = (status: string) => (status === 'in_progress' ? 'in progress' : status);

export interface Diagnostics {
  version?: string;
  userAgent?: string;
  url?: string;
  viewport?: string | { width: number; height: number };
  recentErrors?: { message: string; at: string; url?: string }[];
}

export interface Ticket {
  id: string;
  number: number;
  subject: string;
  description: string;
  status: TicketStatus;
  diagnostics: Diagnostics;
  createdBy: UserRef;
  createdAt: string;
  updatedAt: string;
  /** Oldest first, the opening included; `by` is null when that user is gone. */
  history: { status: TicketStatus; comment?: string; by: UserRef | null; at: string }[];
}
