-- Sample data for `make demo` (loaded by demo/setup as the admin user, rerunnable): a few
-- tables with CJK, emoji and NULL values so the console's grid has something to show.
SET client_min_messages = warning;
DROP TABLE IF EXISTS order_items, orders, customers, products;

CREATE TABLE customers (
  id      serial PRIMARY KEY,
  name    text NOT NULL,
  city    text,
  email   text,
  since   date NOT NULL
);
INSERT INTO customers (name, city, email, since) VALUES
  ('Ada Lovelace',    'London',    'ada@example.com',    '2019-03-01'),
  ('山田 太郎',        '東京',       'taro@example.jp',    '2020-07-15'),
  ('Zoë Ålund',       'Malmö',     NULL,                 '2021-01-09'),
  ('김민준',           '서울',       'minjun@example.kr',  '2022-05-30'),
  ('Grace Hopper',    NULL,        'grace@example.com',  '2018-12-09'),
  ('李小龍',           '香港',       NULL,                 '2023-02-14'),
  ('Renée 🚀 Dubois', 'Paris',     'renee@example.fr',   '2024-08-01');

CREATE TABLE products (
  sku     text PRIMARY KEY,
  title   text NOT NULL,
  price   numeric(10,2) NOT NULL,
  tags    text[]
);
INSERT INTO products VALUES
  ('TEA-001', '抹茶 Matcha 100g 🍵',     12.50, '{tea,japan}'),
  ('CUP-002', 'Espresso cup ☕',          6.00, '{coffee}'),
  ('BAG-003', 'Tote bag — recycled',     15.00, NULL),
  ('KIM-004', '김치 Kimchi 500g 🌶️',      8.90, '{food,korea}'),
  ('BOX-005', 'Gift box 🎁',             20.00, '{}');

CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id int REFERENCES customers(id),
  placed_at   timestamptz NOT NULL,
  status      text NOT NULL,
  note        text
);
INSERT INTO orders (customer_id, placed_at, status, note)
SELECT 1 + (i % 7), timestamptz '2026-11-01 09:00+00' + i * interval '97 minutes',
       (ARRAY['paid','shipped','delivered','refunded'])[1 + i % 4],
       CASE WHEN i % 5 = 0 THEN NULL WHEN i % 7 = 3 THEN 'ギフト包装 🎀' ELSE 'order #' || i END
FROM generate_series(1, 240) AS i;

CREATE TABLE order_items (
  order_id int REFERENCES orders(id),
  sku      text REFERENCES products(sku),
  qty      int NOT NULL
);
INSERT INTO order_items
SELECT o.id, (ARRAY['TEA-001','CUP-002','BAG-003','KIM-004','BOX-005'])[1 + o.id % 5], 1 + o.id % 3
FROM orders o;

GRANT SELECT ON customers, products, orders, order_items TO alice, bob;
