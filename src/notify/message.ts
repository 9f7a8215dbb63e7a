/** What a channel sends: a subject and text for people, the same as JSON for machines. */
export interface Message {
  subject: string;
  text: string;
  json: Record<string, unknown>;
}
