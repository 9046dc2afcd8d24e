DROP TABLE family_members;
DROP TABLE families;
