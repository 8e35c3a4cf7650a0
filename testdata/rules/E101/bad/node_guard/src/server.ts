const port = Number(process.env.PORT ?? 3000);
const stripeKey = process.env.STRIPE_API_KEY; // expect: E101
if (!stripeKey) {
  throw new Error("STRIPE_API_KEY is required");
}

export function start() {
  return { port, stripeKey };
}
