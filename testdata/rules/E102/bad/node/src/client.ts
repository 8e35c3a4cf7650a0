import { createClient } from "./http";

export const api = createClient(process.env.API_BASE_URL); // expect: E102
export const db = process.env.DATABASE_URL;
