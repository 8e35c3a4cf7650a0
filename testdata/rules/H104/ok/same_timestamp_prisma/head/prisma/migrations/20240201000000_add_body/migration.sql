SET lock_timeout = '5s';
ALTER TABLE "Post" ADD COLUMN "body" TEXT;
