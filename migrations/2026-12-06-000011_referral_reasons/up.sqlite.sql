-- Automatic referrals used to end their reason with the case's concern codes ("Protocol
-- 2026.1 (…): neglect, violence_sexual"), which the receiving specialists read next to the
-- child's name; they never see concerns (docs/interagency.md; issue 17, finding 3). The
-- reason now names the protocol and the duty only.
UPDATE referrals
SET reason = substr(reason, 1, instr(reason, '): ')) || ': mandatory ' || kind
WHERE mandatory AND reason LIKE 'Protocol %' AND instr(reason, '): ') > 0;
