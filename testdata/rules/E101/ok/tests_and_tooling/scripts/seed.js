const token = process.env.SEED_TOKEN;
if (!token) throw new Error("SEED_TOKEN");
