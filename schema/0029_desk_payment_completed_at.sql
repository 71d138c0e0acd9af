-- 0029_desk_payment_completed_at: payments taken at the desk are complete
-- when they are recorded, but a wrong parameter type left their
-- completed_at empty (lib/payments.c, fixed with this migration), so the
-- monthly report and the staff home missed them. They completed when made.
UPDATE payment SET completed_at = created_at
WHERE completed_at IS NULL AND status IN ('completed', 'refunded');
