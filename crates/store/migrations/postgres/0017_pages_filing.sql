-- Issue 16 (filing): petition types get an English name for the English pages; an office
-- that gives none shows the Korean one. The five general types have fixed names.
ALTER TABLE petition_types ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
UPDATE petition_types SET name_en = 'Question about a law' WHERE code = 'question-law' AND name_en = '';
UPDATE petition_types SET name_en = 'Question about a system or procedure' WHERE code = 'question-system' AND name_en = '';
UPDATE petition_types SET name_en = 'Proposal' WHERE code = 'proposal' AND name_en = '';
UPDATE petition_types SET name_en = 'Other petition' WHERE code = 'other' AND name_en = '';
UPDATE petition_types SET name_en = 'Grievance' WHERE code = 'grievance' AND name_en = '';
