const { Client } = require('pg');

module.exports = async function globalTeardown() {
  const client = new Client({ connectionString: process.env.CO_TEST_ADMIN_URL });
  await client.connect();
  await client.query(`drop database if exists "${process.env.CO_TEST_TEMPLATE_DB}" with (force)`);
  await client.end();
  if (globalThis.__EMBEDDED_PG__) await globalThis.__EMBEDDED_PG__.stop();
};
