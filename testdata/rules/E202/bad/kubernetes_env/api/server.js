const db = process.env.DATABASE_URL ?? "postgres://localhost/dev";
module.exports = { db };
