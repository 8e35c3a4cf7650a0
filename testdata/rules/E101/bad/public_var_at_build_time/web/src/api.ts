const base = process.env.NEXT_PUBLIC_API_URL!; // expect: E101
const ttl = Number(process.env.SESSION_TTL ?? "600");

export async function get(path: string) {
  return fetch(`${base}${path}`, { next: { revalidate: ttl } });
}
